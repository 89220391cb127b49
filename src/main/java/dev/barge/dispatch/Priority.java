package dev.barge.dispatch;

/** Who goes first when a backend has a slot free: interactive calls, then flex, then batch work. */
public enum Priority {
  /** A synchronous request of the default tier. */
  INTERACTIVE,
  /** A synchronous request with {@code "service_tier": "flex"}: waits longer, behind interactive calls. */
  FLEX
}
