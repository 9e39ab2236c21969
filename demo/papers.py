"""A case's papers: documents, eligibility confirmations and the specialised deputy's confirmation."""
from __future__ import annotations

from demo.paths import dt
from demo.vocab import OFFICE_SECONDS, OFFICE_START
from lib import catalog
from lib.workflow import State

_KINDS = {p: tuple(catalog.DOCUMENTS[p]) for p in ("A", "B")}
_MAY_BE_MISSING = {p: tuple(k for k in _KINDS[p][1:] if not (p == "A" and k == "committee_approval")) for p in ("A", "B")}
"""The documents a «documents incomplete» case may lack (not the application form, nor Form 2)."""
_PASSED_INTAKE = frozenset({State.scored, State.county_decision, State.introduced})
_RUNNING = (State.active, State.suspended)


class PapersMixin:
    """Part of :class:`demo.generator.Demo`."""

    def _deputy(self, application_id: int, covering: str, months: int, path: list[State], times: list[int],
                province_id: int) -> None:
        """The specialised deputy that referred the applicant confirms job readiness and the
        months (those granted), after the county committee proposed them and before the province
        confirms."""
        if State.province_decision in path:
            confirm = path.index(State.province_decision)
            after, before = times[confirm - 1], times[confirm]
        else:
            after, before = times[-1], dt(self.last_day, OFFICE_START + OFFICE_SECONDS)
        at = after + int((before - after) * self.rng.uniform(0.2, 0.8))
        user = self.province_user if province_id == self.demo_province else None
        self.rows["deputy"].append((self._next("deputy"), application_id, covering, True, months, user,
                                   self.stamp(at), None))

    def _papers(self, program: str, application_id: int, path: list[State], times: list[int], stamps: list,
                score_moves: list[int], expert: int | None, in_county: bool) -> None:
        """Documents and eligibility: the four documents of every case that passed intake (Form 2
        from the county committee's decision); conditions 1–2 confirmed by the county expert
        before scoring, condition 3 (the job) by the county committee's decision. A document not
        received has no row, as with the services (a row is written when one is received)."""
        rng = self.rng
        below = rng._randbelow  # rng.randint(a, b) is a + below(b - a + 1)
        stamp = self.stamp
        rows = self.rows
        documents = rows["document"]
        next_document = self.next_document
        reached = set(path)
        final = path[-1]
        kinds = _KINDS[program]
        passed_intake = not reached.isdisjoint(_PASSED_INTAKE)
        missing: set[str] | tuple = ()
        if final == State.documents_incomplete:
            missing = set(rng.sample(_MAY_BE_MISSING[program], 1 + below(2)))
        first = kinds[0]
        applied = times[0]
        for kind in kinds:
            if program == "A" and kind == "committee_approval":
                if State.county_decision in reached:
                    documents.append((next_document(), application_id, kind, True, expert,
                                      stamps[path.index(State.county_decision)]))
            elif kind not in missing and (passed_intake or kind == first or rng.random() < 0.5):
                when = applied + 60 * (1 + below(30))  # rng.randint(1, 30) minutes after applying
                if kind == "sso_payment_proof" and final in _RUNNING:
                    # a running beneficiary brings a fresh proof of paying her premium (renewed within
                    # the last two months), as the payment run asks for one of the last 12 months
                    renewed = self.last_day - below(61)  # rng.randint(0, 60)
                    when = max(when, dt(renewed, 9 * 3600 + below(7 * 3600 + 1)))  # rng.randint(9 h, 16 h)
                documents.append((next_document(), application_id, kind, True, expert, stamp(when)))
        if program == "A" and State.scored in reached:
            first_score = times[score_moves[0]]
            for condition in ("registered_client", "job_readiness"):
                rows["eligibility"].append((
                    self._next("eligibility"), application_id, condition, True, expert,
                    stamp(first_score - 60 * (5 + below(116))), None,  # rng.randint(5, 120) minutes before
                ))
            if State.county_decision in reached:
                decided = path.index(State.county_decision)
                secretary = self.secretary if in_county else None
                rows["eligibility"].append((
                    self._next("eligibility"), application_id, "job_confirmed", True, secretary,
                    stamps[decided], "با تصمیم کمیته اشتغال شهرستان (فرم شماره ۲)",
                ))
