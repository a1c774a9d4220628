from fangkong.people.filtersets import search_q
from fangkong.people.models import Person
from fangkong.people.services import person_create


def names(qs):
    return sorted(p.name for p in qs)


def test_prefix_lookup_matches_starts_and_nothing_else(world, commander):
    for name in ("张三", "张山", "赵四", "王五", "周建国", "50%折", "5_0"):
        person_create(actor=commander, data={"name": name, "area": world.grid})
    people = Person.objects.all()
    assert names(people.filter(name_initials__prefix="zs")) == ["张三", "张山", "赵四"]
    assert names(people.filter(name__prefix="张")) == ["张三", "张山"]
    # LIKE wildcards in the text are literal, on every database.
    assert names(people.filter(name__prefix="50%")) == ["50%折"]
    assert names(people.filter(name__prefix="5_")) == ["5_0"]
    assert names(people.filter(name__prefix="5")) == ["50%折", "5_0"]


def test_given_name_alone_falls_back_to_a_contains_search(world, commander):
    for name in ("周建国", "建华", "王五"):
        person_create(actor=commander, data={"name": name, "area": world.grid})
    people = Person.objects.all()
    assert names(search_q(people, "建国")) == ["周建国"]  # no name starts with it
    assert names(search_q(people, "建")) == ["建华"]  # one character: prefix only
    assert names(search_q(people, "zjg")) == ["周建国"]


def test_initials_and_full_pinyin_both_find_a_name(world, commander):
    person_create(actor=commander, data={"name": "张三", "area": world.grid})
    people = Person.objects.all()
    for typed in ("zs", "z", "zhang", "zhangs", "ZHANG SAN"):
        assert names(search_q(people, typed)) == ["张三"], typed
    assert names(search_q(people, "zx")) == []
