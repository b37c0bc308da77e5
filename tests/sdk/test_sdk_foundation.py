"""The official SDK's customer, product and order calls parse voucherd's answers."""

from __future__ import annotations

from typing import Any

import pytest
import voucherify as V
from voucherify.exceptions import NotFoundException

from tests.conftest import LiveServer
from tests.support import ProjectKeys
from voucherd.kit.db import Database
from voucherd.projects import service as projects


def test_customer_calls_parse(sdk: Any) -> None:
    api = V.CustomersApi(sdk)
    created = api.create_customer(
        V.CustomersCreateRequestBody(
            source_id="sdk-jack",
            name="Jack Webhook",
            email="jack@example.com",
            metadata={"region": "EMEA"},
            address=V.CustomersCreateRequestBodyAddress(city="Warsaw"),
        )
    )
    assert created.id.startswith("cust_")
    assert created.summary.orders.total_count == 0
    fetched = api.get_customer(created.id)
    assert fetched.source_id == "sdk-jack"
    assert api.get_customer("sdk-jack").id == created.id
    listing = api.list_customers(limit=10)
    assert [c.id for c in listing.customers] == [created.id]
    assert listing.total == 1
    updated = api.update_customer(created.id, V.CustomersUpdateRequestBody(name="Jack"))
    assert updated.name == "Jack"


def test_product_and_paid_order_calls_parse(sdk: Any) -> None:
    product = V.ProductsApi(sdk).create_product(
        V.ProductsCreateRequestBody(source_id="sdk-shoe", name="Shoe", price=3500)
    )
    assert product.id.startswith("prod_")
    orders = V.OrdersApi(sdk)
    order = orders.create_order(
        V.OrdersCreateRequestBody(
            status="PAID",
            customer=V.Customer(source_id="sdk-buyer", name="Buyer"),
            items=[
                V.OrderItem(product_id=product.id, quantity=1),
                V.OrderItem(source_id="sdk-bag", related_object="product", quantity=2, price=7999),
            ],
        )
    )
    assert order.status == "PAID"
    assert order.amount == 3500 + 2 * 7999
    assert order.items[0].price == 3500
    fetched = orders.get_order(order.id)
    assert fetched.total_amount == order.amount
    assert fetched.customer_id == V.CustomersApi(sdk).get_customer("sdk-buyer").id
    assert [o.id for o in orders.list_orders().orders] == [order.id]


def test_errors_reach_the_sdk_as_voucherify_errors(sdk: Any) -> None:
    with pytest.raises(NotFoundException) as info:
        V.CustomersApi(sdk).get_customer("cust_missing")
    error = V.Error.from_json(info.value.body)
    assert error.code == 404
    assert error.key == "not_found"


@pytest.fixture
async def management_key(db: Database) -> Any:
    async with db.transaction() as session:
        return await projects.issue_key(session, kind="management", project_id=None)


def test_management_project_parses_with_its_settings(
    live_server: LiveServer, project: ProjectKeys, management_key: Any
) -> None:
    cfg = V.Configuration(
        host=live_server.base_url,
        api_key={
            "X-Management-Id": management_key.key_id,
            "X-Management-Token": management_key.token,
        },
    )
    with V.ApiClient(cfg) as client:
        got = V.ManagementApi(client).get_project(project.project_id)
    assert got.id == project.project_id and got.case_sensitive_codes is True
    assert got.client_trusted_domains == [] and got.client_redeem_enabled is False
