"""Every model, imported once so SQLAlchemy's metadata (and Alembic) sees the whole schema."""
from .accounts.models import Customer, LoginAttempt, PasswordReset, Staff  # noqa: F401
from .apikeys.models import ApiKey  # noqa: F401
from .cache import CacheGeneration  # noqa: F401
from .challenge import SpentChallenge  # noqa: F401
from .deflection.models import DeflectionEvent, DeflectionWeek, PageView, SearchCount  # noqa: F401
from .forums.models import Forum, KnownUser, Post, Subscription, Topic  # noqa: F401
from .inbound.models import InboundMail, Mailbox  # noqa: F401
from .kb.feedback import PageFeedback  # noqa: F401
from .kb.models import Book, Chapter, Page, PageAttachment, PageVote, Tag  # noqa: F401
from .notifications.models import FollowedCategory, NotificationPreference  # noqa: F401
from .outbox.models import Job  # noqa: F401
from .requests.filters import SavedFilter  # noqa: F401
from .requests.models import (  # noqa: F401
                              Attachment,
                              Category,
                              CategoryField,
                              CustomField,
                              FieldValue,
                              Note,
                              Request,
                              RequestMerge,
                              RequestTag,
                              Status,
)
from .requests.workspace_models import (  # noqa: F401
                              CannedResponse,
                              Contact,
                              RequestSubscription,
                              ResponseUse,
                              StaffCategory,
                              TimeEvent,
)
from .rest.deskpro.blobs import TempBlob  # noqa: F401
from .search.changelog import SearchChange  # noqa: F401
from .settings import Setting  # noqa: F401
from .webhooks.models import HookSubscription, WebhookDelivery, WebhookEndpoint  # noqa: F401
