"""Public "know your rights" pages that local organisations keep current, and their
review by a lawyer before anyone may rely on them."""
