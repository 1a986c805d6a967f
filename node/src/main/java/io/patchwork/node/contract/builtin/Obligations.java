package io.patchwork.node.contract.builtin;

import static io.patchwork.node.contract.builtin.BuiltInSupport.amount;
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
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * {@code obligations}: IOUs between member organisations — what net settlement nets when a ledger
 * closes.
 *
 * <ul>
 *   <li>{@code record(id, debtorMsp, creditorMsp, currency, amount[, reference])} — either party
 *       records an obligation; it is {@code PROPOSED} until the other party accepts it.
 *   <li>{@code accept(id)} — the other party agrees: {@code ACCEPTED}, and it counts.
 *   <li>{@code cancel(id)} — either party withdraws a proposed obligation: {@code CANCELLED}.
 *   <li>{@code get(id)}, {@code list([status])}, {@code positions(currency)} — queries; positions
 *       are each organisation's net of accepted obligations (creditor +, debtor −; they sum to 0).
 * </ul>
 */
public final class Obligations implements Contract {
  public static final String NAME = "obligations";
  private static final String OBLIGATION = "obligation";

  /**
   * Where the obligation records are in the world state: each key is this prefix, the obligation id
   * and U+0000 (Fabric's composite-key layout), for readers of committed state.
   */
  public static final String KEY_PREFIX = "\u0000" + OBLIGATION + "\u0000";

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern CURRENCY = Pattern.compile("[A-Z0-9]{1,12}");
  private static final int MAX_REFERENCE = 256;

  /** Where an obligation stands. */
  enum Status {
    PROPOSED,
    ACCEPTED,
    CANCELLED
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<Class<?>> codeClasses() {
    return List.of(Obligations.class, BuiltInSupport.class);
  }

  @Override
  public void define(Transactions transactions) {
    transactions
        .submit("record", Obligations::record)
        .submit("accept", (context, args) -> decide(context, args, "accept", Status.ACCEPTED))
        .submit("cancel", (context, args) -> decide(context, args, "cancel", Status.CANCELLED))
        .evaluate("get", Obligations::get)
        .evaluate("list", Obligations::list)
        .evaluate("positions", Obligations::positions);
  }

  private static ByteString record(Context context, List<String> args) throws ContractException {
    arity(args, 5, 6, "record(id, debtorMsp, creditorMsp, currency, amount[, reference])");
    String id = id(args.get(0));
    String debtor = mspId(args.get(1), "debtor");
    String creditor = mspId(args.get(2), "creditor");
    String currency = args.get(3);
    if (!CURRENCY.matcher(currency).matches()) {
      throw new ContractException(
          "INVALID_ARGUMENT",
          "currency '" + currency + "' is not 1-12 upper-case letters or digits");
    }
    BigInteger amount = amount(args.get(4));
    String reference = args.size() == 6 ? args.get(5) : "";
    if (reference.length() > MAX_REFERENCE) {
      throw new ContractException(
          "INVALID_ARGUMENT", "a reference holds at most " + MAX_REFERENCE + " characters");
    }
    if (debtor.equals(creditor)) {
      throw new ContractException("INVALID_ARGUMENT", "an organisation cannot owe itself");
    }
    String caller = context.caller().mspId();
    if (!caller.equals(debtor) && !caller.equals(creditor)) {
      throw new ContractException(
          "NOT_AUTHORIZED", caller + " is neither debtor nor creditor of obligation " + id);
    }
    String key = context.state().compositeKey(OBLIGATION, id);
    if (context.state().get(key).isPresent()) {
      throw new ContractException("ALREADY_EXISTS", "obligation " + id + " already exists");
    }
    ObjectNode obligation =
        object()
            .put("id", id)
            .put("debtor", debtor)
            .put("creditor", creditor)
            .put("currency", currency)
            .put("amount", amount.toString())
            .put("reference", reference)
            .put("status", Status.PROPOSED.name())
            .put("recordedBy", caller)
            .put("recordedAt", context.timestamp().toString())
            .put("recordTx", context.txId());
    ByteString stored = bytes(obligation);
    context.state().put(key, stored);
    context.setEvent("ObligationRecorded", stored);
    return stored;
  }

  private static ByteString decide(
      Context context, List<String> args, String action, Status outcome) throws ContractException {
    arity(args, 1, 1, action + "(id)");
    String id = id(args.get(0));
    String key = context.state().compositeKey(OBLIGATION, id);
    ObjectNode obligation = (ObjectNode) find(context, id);
    String caller = context.caller().mspId();
    String debtor = obligation.get("debtor").asText();
    String creditor = obligation.get("creditor").asText();
    if (!caller.equals(debtor) && !caller.equals(creditor)) {
      throw new ContractException("NOT_AUTHORIZED", caller + " is not a party to obligation " + id);
    }
    if (outcome == Status.ACCEPTED && caller.equals(obligation.get("recordedBy").asText())) {
      throw new ContractException(
          "NOT_AUTHORIZED", "obligation " + id + " must be accepted by the other party");
    }
    String status = obligation.get("status").asText();
    if (!Status.PROPOSED.name().equals(status)) {
      throw new ContractException(
          "INVALID_STATE",
          "obligation " + id + " is " + status + "; only a PROPOSED one can be " + action + "ed");
    }
    obligation
        .put("status", outcome.name())
        .put(
            outcome == Status.ACCEPTED ? "acceptedAt" : "cancelledAt",
            context.timestamp().toString())
        .put(outcome == Status.ACCEPTED ? "acceptedBy" : "cancelledBy", caller);
    ByteString stored = bytes(obligation);
    context.state().put(key, stored);
    context.setEvent(
        outcome == Status.ACCEPTED ? "ObligationAccepted" : "ObligationCancelled", stored);
    return stored;
  }

  private static ByteString get(Context context, List<String> args) throws ContractException {
    arity(args, 1, 1, "get(id)");
    return bytes(find(context, id(args.get(0))));
  }

  private static ByteString list(Context context, List<String> args) throws ContractException {
    arity(args, 0, 1, "list([status])");
    Optional<Status> wanted = args.isEmpty() ? Optional.empty() : Optional.of(status(args.get(0)));
    ArrayNode result = BuiltInSupport.JSON.createArrayNode();
    for (KeyValue entry : context.state().byPartialCompositeKey(OBLIGATION)) {
      JsonNode obligation = parse(entry.value());
      if (wanted.isEmpty() || wanted.get().name().equals(obligation.get("status").asText())) {
        result.add(obligation);
      }
    }
    return bytes(result);
  }

  private static ByteString positions(Context context, List<String> args) throws ContractException {
    arity(args, 1, 1, "positions(currency)");
    String currency = args.get(0);
    Map<String, BigInteger> net = new TreeMap<>();
    for (KeyValue entry : context.state().byPartialCompositeKey(OBLIGATION)) {
      JsonNode obligation = parse(entry.value());
      if (!Status.ACCEPTED.name().equals(obligation.get("status").asText())
          || !currency.equals(obligation.get("currency").asText())) {
        continue;
      }
      BigInteger amount = new BigInteger(obligation.get("amount").asText());
      net.merge(obligation.get("creditor").asText(), amount, BigInteger::add);
      net.merge(obligation.get("debtor").asText(), amount.negate(), BigInteger::add);
    }
    ObjectNode result = object();
    net.forEach((msp, position) -> result.put(msp, position.toString()));
    return bytes(result);
  }

  private static JsonNode find(Context context, String id) throws ContractException {
    return context
        .state()
        .get(context.state().compositeKey(OBLIGATION, id))
        .map(BuiltInSupport::parse)
        .orElseThrow(() -> new ContractException("NOT_FOUND", "no obligation " + id));
  }

  private static String id(String text) throws ContractException {
    if (!ID.matcher(text).matches()) {
      throw new ContractException(
          "INVALID_ARGUMENT", "obligation id '" + text + "' is not 1-64 letters, digits, . _ -");
    }
    return text;
  }

  private static Status status(String text) throws ContractException {
    try {
      return Status.valueOf(text);
    } catch (IllegalArgumentException e) {
      throw new ContractException(
          "INVALID_ARGUMENT", "status '" + text + "' is not PROPOSED, ACCEPTED or CANCELLED");
    }
  }
}
