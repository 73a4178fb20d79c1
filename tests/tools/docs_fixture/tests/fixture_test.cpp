// A test source for docs.links to find test names in (never compiled).
TEST(Fixture, Exists) {}
