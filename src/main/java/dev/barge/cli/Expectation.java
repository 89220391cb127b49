package dev.barge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What an answer should be, from {@code metadata.expected} of its input line: a string (the exact answer),
 * or one of {@code {"exact": …}}, {@code {"contains": …}}, {@code {"regex": …}}, {@code {"json_schema": {…}}}.
 */
sealed interface Expectation {
  ObjectMapper JSON = new ObjectMapper();
  SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

  /** The check's kind, as the pass-rate table names it. */
  String kind();

  /** Null when {@code answer} passes; otherwise why not. */
  String check(String answer);

  /** The expectation of an input line, or null when it has none; a malformed one is the user's error, named. */
  static Expectation of(JsonNode line) {
    JsonNode e = line.path("metadata").path("expected");
    if (e.isMissingNode() || e.isNull()) return null;
    if (e.isTextual()) return new Exact(e.textValue());
    if (e.isObject() && e.size() == 1) {
      var field = e.properties().iterator().next();
      JsonNode v = field.getValue();
      switch (field.getKey()) {
        case "exact" -> { if (v.isTextual()) return new Exact(v.textValue()); }
        case "contains" -> { if (v.isTextual()) return new Contains(v.textValue()); }
        case "regex" -> {
          if (v.isTextual()) {
            try {
              return new Regex(Pattern.compile(v.textValue()));
            } catch (PatternSyntaxException bad) {
              throw Cli.badInput("metadata.expected.regex '" + v.textValue() + "' is not a regular expression: "
                  + bad.getDescription());
            }
          }
        }
        case "json_schema" -> { if (v.isObject()) return new JsonSchema(SCHEMAS.getSchema(v.toString())); }
        default -> { }
      }
    }
    throw Cli.badInput("metadata.expected must be a string or one of {\"exact\": …}, {\"contains\": …},"
        + " {\"regex\": …}, {\"json_schema\": {…}}; got " + e);
  }

  record Exact(String expected) implements Expectation {
    public String kind() {
      return "exact";
    }

    public String check(String answer) {
      return answer.strip().equals(expected.strip()) ? null : "is not exactly " + quote(expected);
    }
  }

  record Contains(String expected) implements Expectation {
    public String kind() {
      return "contains";
    }

    public String check(String answer) {
      return answer.contains(expected) ? null : "does not contain " + quote(expected);
    }
  }

  record Regex(Pattern pattern) implements Expectation {
    public String kind() {
      return "regex";
    }

    public String check(String answer) {
      return pattern.matcher(answer).find() ? null : "does not match /" + pattern + "/";
    }
  }

  record JsonSchema(Schema schema) implements Expectation {
    public String kind() {
      return "json_schema";
    }

    public String check(String answer) {
      JsonNode value;
      try {
        value = JSON.readTree(answer);
      } catch (IOException e) {
        return "is not JSON";
      }
      if (value == null) return "is empty";
      List<Error> errors = schema.validate(value);
      return errors.isEmpty() ? null : "does not fit the schema: " + errors.getFirst().getMessage();
    }
  }

  private static String quote(String s) {
    return "\"" + (s.length() > 60 ? s.substring(0, 60) + "…" : s) + "\"";
  }
}
