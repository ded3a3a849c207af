"""Local GBV prevention committees, their members and activities, and referral pathways.

For the referral work: `service.current_pathway_for(location)` answers the pathway
version in force for a survivor's place (nearest committee up the location hierarchy,
else the national default). Store that `PathwayVersion.id` on the referral; published
and superseded versions never change, so `service.get_version(id)` later shows exactly
the steps that were followed.
"""
