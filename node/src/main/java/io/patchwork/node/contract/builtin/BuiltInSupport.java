package io.patchwork.node.contract.builtin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.patchwork.node.contract.ContractException;
import java.io.IOException;
import java.math.BigInteger;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What the built-in contracts share: argument checks, exact amounts, accounts and canonical JSON.
 * Part of each built-in's code hash.
 */
final class BuiltInSupport {
  static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  /** 10^30: far beyond any real amount, small enough that sums never get unwieldy. */
  static final BigInteger MAX_AMOUNT = BigInteger.TEN.pow(30);

  private static final Pattern MSP_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,63}");
  private static final Pattern SUB_ACCOUNT = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern AMOUNT = Pattern.compile("[0-9]{1,31}");

  private BuiltInSupport() {}

  static void arity(List<String> args, int min, int max, String usage) throws ContractException {
    if (args.size() < min || args.size() > max) {
      throw new ContractException("INVALID_ARGUMENT", "expected " + usage);
    }
  }

  /** A positive whole amount, written in decimal digits. */
  static BigInteger amount(String text) throws ContractException {
    if (!AMOUNT.matcher(text).matches()) {
      throw new ContractException(
          "INVALID_ARGUMENT", "amount '" + text + "' is not a whole number of at most 31 digits");
    }
    BigInteger amount = new BigInteger(text);
    if (amount.signum() <= 0 || amount.compareTo(MAX_AMOUNT) > 0) {
      throw new ContractException(
          "INVALID_ARGUMENT", "amount must be positive and at most 10^30, not " + text);
    }
    return amount;
  }

  static String mspId(String text, String what) throws ContractException {
    if (!MSP_ID.matcher(text).matches()) {
      throw new ContractException("INVALID_ARGUMENT", what + " '" + text + "' is not an MSP id");
    }
    return text;
  }

  /** An account: an MSP id, optionally followed by '/' and a sub-account name. */
  static String account(String text) throws ContractException {
    int slash = text.indexOf('/');
    String owner = slash < 0 ? text : text.substring(0, slash);
    if (!MSP_ID.matcher(owner).matches()
        || (slash >= 0 && !SUB_ACCOUNT.matcher(text.substring(slash + 1)).matches())) {
      throw new ContractException(
          "INVALID_ARGUMENT",
          "account '" + text + "' is not MSPID or MSPID/sub-account (letters, digits, . _ -)");
    }
    return text;
  }

  /** The organisation an account belongs to. */
  static String owner(String account) {
    int slash = account.indexOf('/');
    return slash < 0 ? account : account.substring(0, slash);
  }

  static ObjectNode object() {
    return JSON.createObjectNode();
  }

  static ByteString bytes(JsonNode node) {
    try {
      return ByteString.copyFrom(JSON.writeValueAsBytes(node));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  static JsonNode parse(ByteString stored) {
    try {
      return JSON.readTree(stored.toByteArray());
    } catch (IOException e) {
      throw new IllegalStateException("the contract's own record is not JSON", e);
    }
  }

  static ByteString utf8(String text) {
    return ByteString.copyFromUtf8(text);
  }
}
