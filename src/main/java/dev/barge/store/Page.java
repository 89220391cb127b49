package dev.barge.store;

import java.util.List;

/** One page of a listing, and whether more items follow it. */
public record Page<T>(List<T> items, boolean hasMore) {}
