package dev.barge.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * What a backend's calls cost, and so how a batch line answered by a real-time call is priced.
 * {@link #LIST}: a hosted API that charges its list price for every real-time call ({@code standard} tier);
 * {@link #CHARGEBACK}: capacity the team runs itself, where batch work is charged at {@code batch.discount}
 * as an internal price ({@code batch} tier).
 */
public enum Billing {
  LIST("list"),
  CHARGEBACK("chargeback");

  private final String yamlName;

  Billing(String yamlName) {
    this.yamlName = yamlName;
  }

  @JsonValue
  public String yamlName() {
    return yamlName;
  }

  @JsonCreator
  public static Billing of(String name) {
    for (Billing b : values()) if (b.yamlName.equals(name)) return b;
    throw new IllegalArgumentException("billing: '" + name + "' is not a billing kind; use list or chargeback");
  }

  /**
   * List for {@code anthropic} and {@code gemini} backends (hosted APIs) and for any backend with
   * {@code provider_batch}; chargeback otherwise.
   */
  static Billing defaultFor(BackendType type, boolean providerBatch) {
    return type == BackendType.ANTHROPIC || type == BackendType.GEMINI || providerBatch ? LIST : CHARGEBACK;
  }
}
