package io.patchwork.node.contract.builtin;

import static io.patchwork.node.contract.builtin.BuiltInSupport.account;
import static io.patchwork.node.contract.builtin.BuiltInSupport.amount;
import static io.patchwork.node.contract.builtin.BuiltInSupport.arity;
import static io.patchwork.node.contract.builtin.BuiltInSupport.bytes;
import static io.patchwork.node.contract.builtin.BuiltInSupport.object;
import static io.patchwork.node.contract.builtin.BuiltInSupport.owner;
import static io.patchwork.node.contract.builtin.BuiltInSupport.utf8;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.patchwork.ca.Role;
import io.patchwork.node.contract.Context;
import io.patchwork.node.contract.Contract;
import io.patchwork.node.contract.ContractException;
import io.patchwork.node.contract.KeyValue;
import io.patchwork.node.contract.Transactions;
import java.math.BigInteger;
import java.util.List;

/**
 * {@code ledger-token}: balances of a ledger's settlement asset, held in accounts {@code MSPID} or
 * {@code MSPID/sub-account}.
 *
 * <ul>
 *   <li>{@code issue(account, amount)} — an admin of the account's organisation creates tokens.
 *   <li>{@code transfer(from, to, amount)} — a member moves tokens out of its own account; balances
 *       never go negative ({@code INSUFFICIENT_FUNDS}).
 *   <li>{@code balance(account)}, {@code totalSupply()} — queries, answered as decimal numbers.
 * </ul>
 *
 * Balances are exact whole numbers stored as decimal text under composite keys {@code balance} /
 * account. Issues touch only the issued account, so they never conflict with each other.
 */
public final class LedgerToken implements Contract {
  public static final String NAME = "ledger-token";
  private static final String BALANCE = "balance";

  /**
   * Where the balances are in the world state: each key is this prefix, the account and U+0000
   * (Fabric's composite-key layout), for readers of committed state.
   */
  public static final String KEY_PREFIX = "\u0000" + BALANCE + "\u0000";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<Class<?>> codeClasses() {
    return List.of(LedgerToken.class, BuiltInSupport.class);
  }

  @Override
  public void define(Transactions transactions) {
    transactions
        .submit("issue", LedgerToken::issue)
        .submit("transfer", LedgerToken::transfer)
        .evaluate("balance", LedgerToken::balanceOf)
        .evaluate("totalSupply", LedgerToken::totalSupply);
  }

  private static ByteString issue(Context context, List<String> args) throws ContractException {
    arity(args, 2, 2, "issue(account, amount)");
    String account = account(args.get(0));
    BigInteger amount = amount(args.get(1));
    if (context.caller().role() != Role.ADMIN) {
      throw new ContractException("NOT_AUTHORIZED", "only an organisation's admin issues tokens");
    }
    if (!owner(account).equals(context.caller().mspId())) {
      throw new ContractException(
          "NOT_AUTHORIZED",
          context.caller().mspId() + " cannot issue into " + account + ", which it does not own");
    }
    BigInteger balance = balance(context, account).add(amount);
    store(context, account, balance);
    ObjectNode event = object().put("account", account).put("amount", amount.toString());
    context.setEvent("Issue", bytes(event));
    return bytes(object().put("account", account).put("balance", balance.toString()));
  }

  private static ByteString transfer(Context context, List<String> args) throws ContractException {
    arity(args, 3, 3, "transfer(from, to, amount)");
    String from = account(args.get(0));
    String to = account(args.get(1));
    BigInteger amount = amount(args.get(2));
    if (from.equals(to)) {
      throw new ContractException(
          "INVALID_ARGUMENT", "cannot transfer from " + from + " to itself");
    }
    if (!owner(from).equals(context.caller().mspId())) {
      throw new ContractException(
          "NOT_AUTHORIZED",
          context.caller().mspId() + " cannot spend from " + from + ", which it does not own");
    }
    BigInteger fromBalance = balance(context, from);
    if (fromBalance.compareTo(amount) < 0) {
      throw new ContractException(
          "INSUFFICIENT_FUNDS",
          "account " + from + " holds " + fromBalance + ", cannot transfer " + amount);
    }
    BigInteger toBalance = balance(context, to).add(amount);
    BigInteger remaining = fromBalance.subtract(amount);
    store(context, from, remaining);
    store(context, to, toBalance);
    context.setEvent(
        "Transfer",
        bytes(object().put("from", from).put("to", to).put("amount", amount.toString())));
    ObjectNode result = object();
    result.set("from", object().put("account", from).put("balance", remaining.toString()));
    result.set("to", object().put("account", to).put("balance", toBalance.toString()));
    return bytes(result);
  }

  private static ByteString balanceOf(Context context, List<String> args) throws ContractException {
    arity(args, 1, 1, "balance(account)");
    return utf8(balance(context, account(args.get(0))).toString());
  }

  private static ByteString totalSupply(Context context, List<String> args)
      throws ContractException {
    arity(args, 0, 0, "totalSupply()");
    BigInteger total = BigInteger.ZERO;
    for (KeyValue entry : context.state().byPartialCompositeKey(BALANCE)) {
      total = total.add(new BigInteger(entry.value().toStringUtf8()));
    }
    return utf8(total.toString());
  }

  private static BigInteger balance(Context context, String account) {
    return context
        .state()
        .get(context.state().compositeKey(BALANCE, account))
        .map(value -> new BigInteger(value.toStringUtf8()))
        .orElse(BigInteger.ZERO);
  }

  private static void store(Context context, String account, BigInteger balance) {
    String key = context.state().compositeKey(BALANCE, account);
    if (balance.signum() == 0) {
      context.state().delete(key);
    } else {
      context.state().put(key, utf8(balance.toString()));
    }
  }
}
