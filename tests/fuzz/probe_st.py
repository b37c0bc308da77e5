import asyncio, time, collections
import httpx, schemathesis
from hypothesis import given, settings, HealthCheck, strategies as st, Phase
from schemathesis import GenerationMode
from voucherd.app import create_app
from voucherd.config import Settings
from voucherd.kit.db import Database
from voucherd.migrate import upgrade
from tests.support import make_project

async def main():
    url = "sqlite:////tmp/fz.sqlite3"
    import os
    if os.path.exists("/tmp/fz.sqlite3"): os.remove("/tmp/fz.sqlite3")
    await upgrade(url)
    db = Database(url)
    app = create_app(Settings(database_url=url, embedded_worker=False), db)
    p = await make_project(db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", headers=p.headers) as c:
        raw = (await c.get("/openapi.json")).json()
        schema = schemathesis.openapi.from_dict(raw)
        ops = [r.ok() for r in schema.get_all_operations()]
        print(len(ops))
        op = [o for o in ops if o.path == "/v1/customers" and o.method == "post"][0]
        strat = st.one_of(op.as_strategy(GenerationMode.POSITIVE), op.as_strategy(GenerationMode.NEGATIVE))
        cases = []
        @settings(max_examples=10, derandomize=True, database=None, suppress_health_check=list(HealthCheck), phases=[Phase.generate])
        @given(strat)
        def collect(case): cases.append(case)
        collect()
        for case in cases:
            kw = case.as_transport_kwargs(base_url="http://t")
            print({k: (str(v)[:150]) for k, v in kw.items()})
            r = await c.request(**{k: v for k, v in kw.items() if k in ("method","url","headers","params","json","content","data")})
            print("  ->", r.status_code, r.text[:120])
            case.validate_response(r, checks=[schemathesis.checks.not_a_server_error])
asyncio.run(main())
