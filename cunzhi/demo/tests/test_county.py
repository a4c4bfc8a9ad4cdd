"""The demo builder's pieces that need no database: families, names, numbering, the login table."""

import datetime as dt

from cunzhi.core.idnumbers import validate_id_number
from cunzhi.demo import county as demo

TODAY = dt.date(2025, 6, 1)


def test_chinese_numerals_for_group_and_grid_names():
    assert [demo._cn(n) for n in (1, 3, 10, 11, 12, 20, 21)] == ["一", "三", "十", "十一", "十二", "二十", "二十一"]


def test_households_have_the_asked_size_and_a_plausible_head():
    b = demo._Builder(seed=1, today=TODAY)
    for size in range(1, 7):
        for _ in range(50):
            members = b.household_members(size)
            assert len(members) == size
            head_age = b.age(members[0].birth)
            assert 18 <= head_age <= 95
            assert all(0 <= b.age(m.birth) <= 95 for m in members)
            if size >= 2:
                assert {members[0].sex, members[1].sex} == {"M", "F"}  # head and spouse


def test_id_numbers_are_valid_unique_and_carry_the_sex():
    b = demo._Builder(seed=2, today=TODAY)
    people = [p for _ in range(300) for p in b.household_members(4)]
    numbers = [b.id_number(p) for p in people]
    assert len(set(numbers)) == len(numbers)
    for p, number in zip(people, numbers):
        assert validate_id_number(number) == number
        assert number[6:14] == p.birth.strftime("%Y%m%d")
        assert (int(number[16]) % 2 == 1) == (p.sex == "M")


def test_the_same_seed_gives_the_same_people():
    a = demo._Builder(seed=3, today=TODAY)
    b = demo._Builder(seed=3, today=TODAY)
    assert [p.name for _ in range(20) for p in a.household_members(3)] == [
        p.name for _ in range(20) for p in b.household_members(3)
    ]


def test_finish_person_gives_adults_phones_and_sends_some_to_cities():
    b = demo._Builder(seed=4, today=TODAY)
    people = [b.person(surname="陈", sex="M", age=30) for _ in range(1000)]
    for p in people:
        b.finish_person(p)
    away = [p for p in people if p.living_away]
    assert 0.18 < len(away) / len(people) < 0.32
    assert all(p.away_city in demo.CITIES for p in away)
    assert sum(1 for p in people if p.phone) > 850
    assert all(not p.phone.startswith("138") for p in people)  # 138… is kept for the demo logins
    children = [b.person(surname="陈", sex="F", age=10) for _ in range(100)]
    for p in children:
        b.finish_person(p)
    assert not any(p.phone or p.living_away for p in children)


def test_login_table_aligns_chinese_names():
    rows = [{"role": "Villager", "name": "陈国强"}, {"role": "Grid worker", "name": "刘芳"}]
    lines = demo.format_table(rows, [("name", "Name"), ("role", "Role")]).splitlines()
    # The role column starts at the same display column on every line (wide characters count 2).
    starts = [demo._width(line[: line.index(word)]) for line, word in zip(lines[2:], ("Villager", "Grid"))]
    assert starts[0] == starts[1] == demo._width(lines[0][: lines[0].index("Role")])
