"""Imports every domain's models so the metadata is complete (migrations, tests)."""

from voucherd.async_actions.models import AsyncAction
from voucherd.campaigns.models import Campaign
from voucherd.categories.models import Category
from voucherd.console.models import AuditEntry, ConsoleSession, ConsoleUser
from voucherd.customers.models import Customer
from voucherd.earning.models import EarningRule
from voucherd.events.models import Event
from voucherd.exports.models import Export
from voucherd.kit.db import Base
from voucherd.kit.idempotency import IdempotencyKey
from voucherd.kit.secrets import InstallationSecret
from voucherd.loyalty.models import PendingPoints
from voucherd.metadata_schemas.models import MetadataSchema
from voucherd.oauth.models import OAuthToken
from voucherd.orders.models import Order, OrderItem
from voucherd.product_collections.models import ProductCollection
from voucherd.products.models import Product, Sku
from voucherd.projects.models import ApiKey, Project
from voucherd.promotions.models import PromotionStack, PromotionTier
from voucherd.publications.models import Publication
from voucherd.redemptions.models import Redemption
from voucherd.rewards.models import Reward, RewardAssignment, RewardRedemption
from voucherd.rules.models import RuleCounter, ValidationRule, ValidationRuleAssignment
from voucherd.segments.models import CustomerSegment, Segment
from voucherd.stacking.models import StackingRulesRow
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
    "AsyncAction",
    "AuditEntry",
    "Base",
    "Campaign",
    "Category",
    "ConsoleSession",
    "ConsoleUser",
    "Customer",
    "CustomerSegment",
    "EarningRule",
    "Event",
    "Export",
    "IdempotencyKey",
    "InstallationSecret",
    "LoyaltyTier",
    "MetadataSchema",
    "OAuthToken",
    "Order",
    "OrderItem",
    "PendingPoints",
    "PointsBucket",
    "Product",
    "ProductCollection",
    "Project",
    "PromotionStack",
    "PromotionTier",
    "Publication",
    "Redemption",
    "Reward",
    "RewardAssignment",
    "RewardRedemption",
    "RuleCounter",
    "Segment",
    "Sku",
    "StackingRulesRow",
    "ValidationRule",
    "ValidationRuleAssignment",
    "Voucher",
    "VoucherTransaction",
    "WebhookAttempt",
    "WebhookEndpoint",
    "WebhookSecret",
    "WebhookSendout",
]
