package io.patchwork.node.contract.builtin;

import static io.patchwork.node.contract.builtin.BuiltInSupport.arity;
import static io.patchwork.node.contract.builtin.BuiltInSupport.bytes;
import static io.patchwork.node.contract.builtin.BuiltInSupport.mspId;
import static io.patchwork.node.contract.builtin.BuiltInSupport.object;
import static io.patchwork.node.contract.builtin.BuiltInSupport.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.patchwork.node.contract.Context;
import io.patchwork.node.contract.Contract;
import io.patchwork.node.contract.ContractException;
import io.patchwork.node.contract.KeyValue;
import io.patchwork.node.contract.Transactions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code notary}: anchors documents' SHA-256 hashes with metadata, so members can later prove a
 * document existed, unchanged, at a time and who anchored it.
 *
 * <ul>
 *   <li>{@code anchor(sha256Hex, metadataJson)} — once per hash ({@code ALREADY_EXISTS} after).
 *   <li>{@code get(sha256Hex)}, {@code listByMember(mspId)} — queries.
 * </ul>
 */
final class Notary implements Contract {
  public static final String NAME = "notary";
  private static final String DOCUMENT = "document";
  private static final String BY_MEMBER = "byMember";
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  private static final int MAX_METADATA_BYTES = 16 * 1024;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<Class<?>> codeClasses() {
    return List.of(Notary.class, BuiltInSupport.class);
  }

  @Override
  public void define(Transactions transactions) {
    transactions
        .submit("anchor", Notary::anchor)
        .evaluate("get", Notary::get)
        .evaluate("listByMember", Notary::listByMember);
  }

  private static ByteString anchor(Context context, List<String> args) throws ContractException {
    arity(args, 2, 2, "anchor(sha256Hex, metadataJson)");
    String hash = hash(args.get(0));
    String metadataText = args.get(1);
    if (metadataText.getBytes(StandardCharsets.UTF_8).length > MAX_METADATA_BYTES) {
      throw new ContractException(
          "INVALID_ARGUMENT", "metadata holds at most " + MAX_METADATA_BYTES + " bytes");
    }
    JsonNode metadata;
    try {
      metadata = BuiltInSupport.JSON.readTree(metadataText);
    } catch (IOException e) {
      throw new ContractException("INVALID_ARGUMENT", "metadata is not valid JSON");
    }
    if (metadata == null || !metadata.isObject()) {
      throw new ContractException("INVALID_ARGUMENT", "metadata must be a JSON object");
    }
    String key = context.state().compositeKey(DOCUMENT, hash);
    if (context.state().get(key).isPresent()) {
      throw new ContractException("ALREADY_EXISTS", "document " + hash + " is already anchored");
    }
    String member = context.caller().mspId();
    ObjectNode record =
        object()
            .put("hash", hash)
            .put("anchoredBy", member)
            .put("txId", context.txId())
            .put("timestamp", context.timestamp().toString());
    record.set("metadata", metadata);
    ByteString stored = bytes(record);
    context.state().put(key, stored);
    context.state().put(context.state().compositeKey(BY_MEMBER, member, hash), ByteString.EMPTY);
    context.setEvent("DocumentAnchored", stored);
    return stored;
  }

  private static ByteString get(Context context, List<String> args) throws ContractException {
    arity(args, 1, 1, "get(sha256Hex)");
    String hash = hash(args.get(0));
    return context
        .state()
        .get(context.state().compositeKey(DOCUMENT, hash))
        .orElseThrow(
            () -> new ContractException("NOT_FOUND", "document " + hash + " is not anchored"));
  }

  private static ByteString listByMember(Context context, List<String> args)
      throws ContractException {
    arity(args, 1, 1, "listByMember(mspId)");
    String member = mspId(args.get(0), "member");
    ArrayNode result = BuiltInSupport.JSON.createArrayNode();
    for (KeyValue entry : context.state().byPartialCompositeKey(BY_MEMBER, member)) {
      String hash = context.state().splitCompositeKey(entry.key()).attributes().get(1);
      context
          .state()
          .get(context.state().compositeKey(DOCUMENT, hash))
          .ifPresent(stored -> result.add(parse(stored)));
    }
    return bytes(result);
  }

  private static String hash(String text) throws ContractException {
    if (!SHA256_HEX.matcher(text).matches()) {
      throw new ContractException(
          "INVALID_ARGUMENT", "'" + text + "' is not a SHA-256 hash in lower-case hex");
    }
    return text;
  }
}
