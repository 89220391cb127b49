-- Webhook events name their batch's project, so an endpoint limited to some projects (webhooks[].projects)
-- hears only of theirs.
ALTER TABLE webhook_events ADD COLUMN project TEXT;
UPDATE webhook_events SET project = (SELECT b.project FROM batches b WHERE b.id = webhook_events.batch_id);
