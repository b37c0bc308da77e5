"""Imports every domain's models so the metadata is complete (migrations, tests)."""

from voucherd.campaigns.models import Campaign
from voucherd.categories.models import Category
from voucherd.customers.models import Customer
from voucherd.earning.models import EarningRule
from voucherd.events.models import Event
from voucherd.kit.db import Base
from voucherd.kit.idempotency import IdempotencyKey
from voucherd.loyalty.models import PendingPoints
from voucherd.oauth.models import OAuthToken
from voucherd.orders.models import Order, OrderItem
from voucherd.product_collections.models import ProductCollection
from voucherd.products.models import Product, Sku
from voucherd.projects.models import ApiKey, Project
from voucherd.publications.models import Publication
from voucherd.redemptions.models import Redemption
from voucherd.rewards.models import Reward, RewardAssignment, RewardRedemption
from voucherd.tiers.models import LoyaltyTier
from voucherd.vouchers.models import PointsBucket, Voucher, VoucherTransaction
from voucherd.webhooks.models import (
    WebhookAttempt,
    WebhookEndpoint,
    WebhookSecret,
    WebhookSendout,
)

__all__ = [
    "ApiKey",
    "Base",
    "Campaign",
    "Category",
    "Customer",
    "EarningRule",
    "Event",
    "IdempotencyKey",
    "LoyaltyTier",
    "OAuthToken",
    "Order",
    "OrderItem",
    "PendingPoints",
    "PointsBucket",
    "Product",
    "ProductCollection",
    "Project",
    "Publication",
    "Redemption",
    "Reward",
    "RewardAssignment",
    "RewardRedemption",
    "Sku",
    "Voucher",
    "VoucherTransaction",
    "WebhookAttempt",
    "WebhookEndpoint",
    "WebhookSecret",
    "WebhookSendout",
]
