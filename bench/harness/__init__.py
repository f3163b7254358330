"""The benches' shared harness: database, servers, seeding, the load loop, CPU accounting and reports."""
