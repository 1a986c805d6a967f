package io.patchwork.node.settle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.patchwork.node.contract.builtin.LedgerToken;
import io.patchwork.node.contract.builtin.Obligations;
import io.patchwork.node.state.StateEntry;
import io.patchwork.node.state.StateReader;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a ledger's committed state says at close, read straight from the built-in contracts'
 * records: the accepted obligations of each asset (proposed and cancelled ones do not count), and
 * each member's {@code ledger-token} holdings (all accounts it owns). Every peer reads the same
 * from the same state, so every peer can check a settlement statement against its own.
 */
public record ClosingBook(
    Map<String, List<Netting.Obligation>> obligations, Map<String, BigInteger> tokenBalances) {

  public ClosingBook {
    TreeMap<String, List<Netting.Obligation>> byAsset = new TreeMap<>();
    obligations.forEach((asset, list) -> byAsset.put(asset, List.copyOf(list)));
    obligations = Collections.unmodifiableMap(byAsset);
    tokenBalances = Collections.unmodifiableMap(new TreeMap<>(tokenBalances));
  }

  private static final String OBLIGATION_PREFIX = Obligations.KEY_PREFIX;
  private static final String BALANCE_PREFIX = LedgerToken.KEY_PREFIX;
  private static final String AFTER_PREFIX =
      new String(Character.toChars(Character.MAX_CODE_POINT));
  private static final int PAGE = 10_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Reads the book from committed state. */
  public static ClosingBook read(StateReader state) {
    Map<String, List<Netting.Obligation>> obligations = new TreeMap<>();
    for (StateEntry entry : all(state, Obligations.NAME, OBLIGATION_PREFIX)) {
      JsonNode obligation;
      try {
        obligation = JSON.readTree(entry.value().value().toByteArray());
      } catch (IOException e) {
        throw new IllegalStateException(
            "obligation record " + printable(entry.key()) + " is unreadable", e);
      }
      if (!"ACCEPTED".equals(obligation.path("status").asText())) {
        continue;
      }
      obligations
          .computeIfAbsent(obligation.path("currency").asText(), asset -> new ArrayList<>())
          .add(
              new Netting.Obligation(
                  obligation.path("debtor").asText(),
                  obligation.path("creditor").asText(),
                  new BigInteger(obligation.path("amount").asText())));
    }
    Map<String, BigInteger> balances = new TreeMap<>();
    for (StateEntry entry : all(state, LedgerToken.NAME, BALANCE_PREFIX)) {
      String account = entry.key().substring(BALANCE_PREFIX.length(), entry.key().length() - 1);
      int slash = account.indexOf('/');
      String owner = slash < 0 ? account : account.substring(0, slash);
      balances.merge(owner, new BigInteger(entry.value().value().toStringUtf8()), BigInteger::add);
    }
    return new ClosingBook(obligations, balances);
  }

  private static List<StateEntry> all(StateReader state, String namespace, String prefix) {
    List<StateEntry> entries = new ArrayList<>();
    String from = prefix;
    String end = prefix + AFTER_PREFIX;
    while (true) {
      List<StateEntry> page = state.range(namespace, from, end, PAGE);
      for (StateEntry entry : page) {
        if (entries.isEmpty() || !entries.get(entries.size() - 1).key().equals(entry.key())) {
          entries.add(entry);
        }
      }
      if (page.size() < PAGE) {
        return entries;
      }
      from = page.get(page.size() - 1).key();
    }
  }

  private static String printable(String key) {
    return key.replace('\u0000', '/');
  }
}
