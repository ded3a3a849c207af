"""The demo committees' pathways send survivors to their own area's providers."""

from referral.committees import demo, service
from referral.directory import demo as directory_demo
from referral.directory import service as directory


def test_the_sokuluk_and_naryn_pathways_prefer_their_own_providers(session):
    directory.load_locations()
    directory_demo.seed()
    demo.seed()
    for spec in demo.COMMITTEES:
        committee = demo._committee(spec["name"][0])
        area = set()
        for code in spec["areas"]:
            location = directory.location_by_code(code)
            area |= {location.id, *directory.ancestor_ids(location.id)}
        version = service.published_version(committee.pathway)
        preferred = [p.organisation for step in version.steps for p in step.providers]
        outside = [o.name_en for o in preferred if o.location_id not in area]
        name = spec["name"][0]
        print(f"[demo] {name}: {len(preferred)} preferred providers, {len(outside)} outside")
        assert len(preferred) >= 5
        assert outside == []
