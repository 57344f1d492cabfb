from conftest import World


def test_it_builds_the_world(world: World) -> None:
    assert world.contract_a.status == "active"
    assert world.contract_b.versions.get().in_force
