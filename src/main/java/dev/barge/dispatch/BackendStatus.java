package dev.barge.dispatch;

import java.util.List;
import java.util.Map;

/** How a backend stands now, for the dashboard. */
public record BackendStatus(String name, String type, List<String> models, Integer requestsPerMinute,
    Integer tokensPerMinute, int maxConcurrency, int concurrencyLimit, int inFlight, String circuit,
    Map<String, Long> outcomes) {}
