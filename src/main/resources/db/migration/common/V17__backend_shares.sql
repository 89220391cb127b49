-- How the nodes share each backend's limits (requests and tokens per minute, max_concurrency): per node
-- and backend, the part it holds now and the part it wants. Each node renews its rows every few seconds
-- (ClusterShares); rows of nodes that are not alive count for nothing.
CREATE TABLE backend_shares (
  node_id TEXT NOT NULL,
  backend TEXT NOT NULL,
  share   DOUBLE PRECISION NOT NULL,
  wants   DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (node_id, backend)
);
