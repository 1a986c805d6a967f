package io.patchwork.manager.api;

import io.patchwork.manager.error.Refusal;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A JSON object of a request body, read field by field. A missing or mistyped field is refused with
 * MALFORMED_REQUEST naming its path ({@code parties[2].mspId}), so a route never has to guess what
 * was wrong. Immutable.
 */
final class JsonBody {
  private final JsonObject object;
  private final String path;

  private JsonBody(JsonObject object, String path) {
    this.object = object;
    this.path = path;
  }

  /**
   * The request's body as a JSON object.
   *
   * @throws Refusal MALFORMED_REQUEST if it is empty, not JSON, or not an object
   */
  static JsonBody of(RoutingContext ctx) throws Refusal {
    Object value;
    try {
      value = ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw Refusal.malformed("", "expected a JSON object");
    }
    if (value == null) {
      throw Refusal.malformed("", "expected a JSON object");
    }
    return new JsonBody((JsonObject) value, "");
  }

  /** The body as a JSON object, or an empty object if none was sent. */
  static JsonBody orEmpty(RoutingContext ctx) throws Refusal {
    if (ctx.body() == null || ctx.body().length() == 0) {
      return new JsonBody(new JsonObject(), "");
    }
    return of(ctx);
  }

  boolean has(String field) {
    return object.containsKey(field) && object.getValue(field) != null;
  }

  String path(String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  /** A required string field. */
  String string(String field) throws Refusal {
    return optionalString(field)
        .orElseThrow(() -> Refusal.malformed(path(field), "missing; expected a string"));
  }

  Optional<String> optionalString(String field) throws Refusal {
    return Optional.ofNullable(typed(field, String.class, "a string"));
  }

  /** An optional boolean field, {@code fallback} when absent. */
  boolean bool(String field, boolean fallback) throws Refusal {
    Boolean value = typed(field, Boolean.class, "true or false");
    return value == null ? fallback : value;
  }

  /** An optional whole-number field, {@code fallback} when absent. */
  int integer(String field, int fallback) throws Refusal {
    Object value = has(field) ? object.getValue(field) : null;
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Integer || value instanceof Long)
        || ((Number) value).longValue() != ((Number) value).intValue()) {
      throw Refusal.malformed(path(field), "expected a whole number");
    }
    return ((Number) value).intValue();
  }

  /** A required field holding base64. */
  byte[] base64(String field) throws Refusal {
    String text = string(field);
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw Refusal.malformed(path(field), "expected base64");
    }
  }

  /** A required object field. */
  JsonBody object(String field) throws Refusal {
    JsonObject value = typed(field, JsonObject.class, "an object");
    if (value == null) {
      throw Refusal.malformed(path(field), "missing; expected an object");
    }
    return new JsonBody(value, path(field));
  }

  /** An optional object whose values are all read as text (numbers and booleans as written). */
  Map<String, String> textMap(String field) throws Refusal {
    JsonObject value = typed(field, JsonObject.class, "an object");
    Map<String, String> map = new LinkedHashMap<>();
    if (value != null) {
      for (Map.Entry<String, Object> entry : value) {
        if (entry.getValue() == null
            || entry.getValue() instanceof JsonObject
            || entry.getValue() instanceof JsonArray) {
          throw Refusal.malformed(path(field) + "." + entry.getKey(), "expected a plain value");
        }
        map.put(entry.getKey(), String.valueOf(entry.getValue()));
      }
    }
    return map;
  }

  /** An array of objects: required, with {@code min} to {@code max} entries. */
  List<JsonBody> objects(String field, int min, int max) throws Refusal {
    JsonArray array = array(field, min, max);
    List<JsonBody> objects = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof JsonObject element)) {
        throw Refusal.malformed(path(field) + "[" + i + "]", "expected an object");
      }
      objects.add(new JsonBody(element, path(field) + "[" + i + "]"));
    }
    return objects;
  }

  /** An array of strings: required, with {@code min} to {@code max} entries. */
  List<String> strings(String field, int min, int max) throws Refusal {
    JsonArray array = array(field, min, max);
    List<String> strings = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof String element)) {
        throw Refusal.malformed(path(field) + "[" + i + "]", "expected a string");
      }
      strings.add(element);
    }
    return strings;
  }

  private JsonArray array(String field, int min, int max) throws Refusal {
    JsonArray array = typed(field, JsonArray.class, "an array");
    if (array == null) {
      throw Refusal.malformed(path(field), "missing; expected an array");
    }
    if (array.size() < min || array.size() > max) {
      throw Refusal.malformed(
          path(field), "expected " + min + " to " + max + " entries, not " + array.size());
    }
    return array;
  }

  private <T> T typed(String field, Class<T> type, String expected) throws Refusal {
    if (!has(field)) {
      return null;
    }
    Object value = object.getValue(field);
    if (!type.isInstance(value)) {
      throw Refusal.malformed(path(field), "expected " + expected);
    }
    return type.cast(value);
  }
}
