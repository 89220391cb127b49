package dev.barge.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code barge.yaml} into a {@link BargeConfig}: {@code ${VAR}} / {@code ${VAR:-default}} are
 * replaced from the environment, then {@code BARGE_<SECTION>_<KEY>} variables override scalar keys
 * of the {@code server}, {@code storage}, {@code auth} and {@code batch} sections. Every error names the key.
 */
public final class ConfigLoader {
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");
  private static final Map<String, Class<? extends Record>> OVERRIDABLE = Map.of(
      "server", ServerConfig.class,
      "storage", StorageConfig.class,
      "auth", AuthConfig.class,
      "batch", BatchConfig.class);

  private final Map<String, String> env;
  private final ObjectMapper mapper = new ObjectMapper(new YAMLFactory())
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  public ConfigLoader(Map<String, String> env) {
    this.env = env;
  }

  /** Loads {@code file}, or the embedded default when {@code file} is null. */
  public BargeConfig load(Path file) {
    JsonNode tree = file == null ? mapper.valueToTree(BargeConfig.embeddedDefault()) : readYaml(file);
    return toConfig(tree, file == null ? "configuration" : file.toString());
  }

  /** Reads configuration given as YAML text; {@code source} names it in error messages. */
  public BargeConfig parse(String yaml, String source) {
    try {
      return toConfig(mapper.readTree(yaml), source);
    } catch (JsonProcessingException e) {
      throw new ConfigException(source + " is not valid YAML: " + e.getMessage(), e);
    }
  }

  private BargeConfig toConfig(JsonNode tree, String source) {
    if (tree == null || tree.isMissingNode() || tree.isNull()) tree = mapper.createObjectNode();
    if (!tree.isObject()) throw new ConfigException(source + ": the top level must be a mapping of sections");
    interpolate(tree, "");
    applyOverrides((ObjectNode) tree);
    try {
      return mapper.treeToValue(tree, BargeConfig.class);
    } catch (JsonMappingException e) {
      throw new ConfigException(source + ": " + describe(e), e);
    } catch (IOException e) {
      throw new ConfigException(source + ": " + e.getMessage(), e);
    }
  }

  private JsonNode readYaml(Path file) {
    if (!Files.isRegularFile(file)) throw new ConfigException("config file " + file + " does not exist");
    try {
      return mapper.readTree(file.toFile());
    } catch (IOException e) {
      throw new ConfigException(file + " is not valid YAML: " + e.getMessage(), e);
    }
  }

  private void interpolate(JsonNode node, String path) {
    if (node instanceof ObjectNode object) {
      for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        String childPath = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
        if (field.getValue().isTextual()) {
          field.setValue(new TextNode(substitute(field.getValue().asText(), childPath)));
        } else {
          interpolate(field.getValue(), childPath);
        }
      }
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        String childPath = path + "[" + i + "]";
        if (array.get(i).isTextual()) {
          array.set(i, new TextNode(substitute(array.get(i).asText(), childPath)));
        } else {
          interpolate(array.get(i), childPath);
        }
      }
    }
  }

  private String substitute(String text, String path) {
    Matcher m = VARIABLE.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = env.get(m.group(1));
      if (value == null) value = m.group(2);
      if (value == null) {
        throw new ConfigException(path + ": environment variable " + m.group(1) + " is not set");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  private void applyOverrides(ObjectNode root) {
    var snake = new PropertyNamingStrategies.SnakeCaseStrategy();
    OVERRIDABLE.forEach((section, type) -> {
      for (var component : type.getRecordComponents()) {
        String key = snake.translate(component.getName());
        String value = env.get(("BARGE_" + section + "_" + key).toUpperCase());
        if (value == null) continue;
        ObjectNode target = root.has(section) && root.get(section).isObject()
            ? (ObjectNode) root.get(section)
            : root.putObject(section);
        if (java.util.List.class.isAssignableFrom(component.getType())) {
          ArrayNode list = target.putArray(key);
          Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(list::add);
        } else {
          target.put(key, value);
        }
      }
    });
  }

  private static String describe(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (!path.isEmpty()) path.append('.');
        path.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    String prefix = path.isEmpty() ? "" : path + ".";
    if (e instanceof UnrecognizedPropertyException) {
      return path + ": unknown key"; // the path already ends with the unknown key
    }
    if (e instanceof ValueInstantiationException && e.getCause() != null) {
      return prefix + e.getCause().getMessage();
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    if (root instanceof IllegalArgumentException) return (path.isEmpty() ? "" : path + ": ") + root.getMessage();
    return (path.isEmpty() ? "" : path + ": ") + e.getOriginalMessage();
  }
}
