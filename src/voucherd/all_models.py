"""Imports every domain's models so the metadata is complete (migrations, tests)."""

from voucherd.customers.models import Customer
from voucherd.events.models import Event
from voucherd.kit.db import Base
from voucherd.orders.models import Order, OrderItem
from voucherd.products.models import Product, Sku
from voucherd.projects.models import ApiKey, Project

__all__ = ["ApiKey", "Base", "Customer", "Event", "Order", "OrderItem", "Product", "Project", "Sku"]
