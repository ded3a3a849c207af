"""Local GBV prevention committees, their members and activities, and referral pathways."""
