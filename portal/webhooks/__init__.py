"""Webhook subscriptions (Zapier's REST hooks): who wants which event sent to which URL. Stored here by the
REST API (``POST /api/v2/apps/zapier/hooks``); delivering them through the outbox is the background-work
issue's part."""
