"""The Locust mix (`loadtests/locustfile.py` is its entry point): the places, people and phrases it uses
(`world`), the harness that prepares a run and counts its answers (`harness`), a paced person with tokens
(`people`) and the three kinds of user with their journeys (`journeys`)."""
