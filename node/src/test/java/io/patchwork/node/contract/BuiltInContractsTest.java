package io.patchwork.node.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.patchwork.ca.Role;
import io.patchwork.node.contract.builtin.BuiltInContracts;
import java.util.List;
import org.junit.jupiter.api.Test;

class BuiltInContractsTest {
  private static final Caller ADMIN_A = TestCallers.caller("BankAMSP", Role.ADMIN);
  private static final Caller CLIENT_A = TestCallers.caller("BankAMSP", Role.CLIENT);
  private static final Caller CLIENT_B = TestCallers.caller("BankBMSP", Role.CLIENT);
  private static final Caller CLIENT_C = TestCallers.caller("BankCMSP", Role.CLIENT);
  private static final String HASH = "a".repeat(64);

  private final MemoryState state = new MemoryState();
  private final ContractRegistry contracts = BuiltInContracts.registry();

  private Simulation call(String contract, Caller caller, String function, String... args) {
    return Simulator.simulate(
        contracts.contract(contract).orElseThrow(),
        function,
        List.of(args),
        TestCallers.tx(caller),
        state);
  }

  private String commit(String contract, Caller caller, String function, String... args)
      throws Exception {
    Simulation simulation = call(contract, caller, function, args);
    state.commit(simulation);
    return simulation.payload().toStringUtf8();
  }

  private String query(String contract, Caller caller, String function, String... args) {
    Simulation simulation = call(contract, caller, function, args);
    assertThat(simulation.succeeded()).as(simulation.message()).isTrue();
    return simulation.payload().toStringUtf8();
  }

  private String refusal(String contract, Caller caller, String function, String... args) {
    Simulation simulation = call(contract, caller, function, args);
    assertThat(simulation.status()).as(simulation.message()).isEqualTo(400);
    return simulation.message();
  }

  @Test
  void an_admin_issues_into_its_own_accounts_and_members_transfer_what_they_hold()
      throws Exception {
    commit("ledger-token", ADMIN_A, "issue", "BankAMSP", "1000");
    commit("ledger-token", ADMIN_A, "issue", "BankAMSP/treasury", "5");
    commit("ledger-token", CLIENT_A, "transfer", "BankAMSP", "BankBMSP", "250");

    assertThat(query("ledger-token", CLIENT_B, "balance", "BankAMSP")).isEqualTo("750");
    assertThat(query("ledger-token", CLIENT_B, "balance", "BankBMSP")).isEqualTo("250");
    assertThat(query("ledger-token", CLIENT_B, "balance", "BankCMSP")).isEqualTo("0");
    assertThat(query("ledger-token", CLIENT_B, "totalSupply")).isEqualTo("1005");
  }

  @Test
  void a_transfer_beyond_the_balance_is_insufficient_funds_and_balances_never_go_negative()
      throws Exception {
    commit("ledger-token", ADMIN_A, "issue", "BankAMSP", "10");

    assertThat(refusal("ledger-token", CLIENT_A, "transfer", "BankAMSP", "BankBMSP", "11"))
        .startsWith("INSUFFICIENT_FUNDS")
        .contains("BankAMSP holds 10");
    commit("ledger-token", CLIENT_A, "transfer", "BankAMSP", "BankBMSP", "10");
    assertThat(query("ledger-token", CLIENT_A, "balance", "BankAMSP")).isEqualTo("0");
  }

  @Test
  void the_token_refuses_strangers_accounts_non_admin_issues_and_bad_amounts() {
    assertThat(refusal("ledger-token", CLIENT_A, "issue", "BankAMSP", "10"))
        .startsWith("NOT_AUTHORIZED");
    assertThat(refusal("ledger-token", ADMIN_A, "issue", "BankBMSP", "10"))
        .startsWith("NOT_AUTHORIZED");
    assertThat(refusal("ledger-token", CLIENT_B, "transfer", "BankAMSP", "BankBMSP", "1"))
        .startsWith("NOT_AUTHORIZED");
    for (String amount : List.of("0", "-5", "1.5", "ten", "1" + "0".repeat(31))) {
      assertThat(refusal("ledger-token", ADMIN_A, "issue", "BankAMSP", amount))
          .startsWith("INVALID_ARGUMENT");
    }
    assertThat(refusal("ledger-token", ADMIN_A, "issue", "Bank A/../x", "1"))
        .startsWith("INVALID_ARGUMENT");
    assertThat(refusal("ledger-token", CLIENT_A, "transfer", "BankAMSP", "BankAMSP", "1"))
        .startsWith("INVALID_ARGUMENT");
    assertThat(refusal("ledger-token", CLIENT_A, "transfer", "BankAMSP"))
        .startsWith("INVALID_ARGUMENT");
  }

  @Test
  void an_obligation_counts_once_the_other_party_accepts_and_positions_sum_to_zero()
      throws Exception {
    commit("obligations", CLIENT_A, "record", "o-1", "BankAMSP", "BankBMSP", "EUR", "100");
    commit(
        "obligations", CLIENT_C, "record", "o-2", "BankBMSP", "BankCMSP", "EUR", "30", "invoice 7");
    commit("obligations", CLIENT_B, "record", "o-3", "BankCMSP", "BankBMSP", "USD", "5");
    assertThat(query("obligations", CLIENT_A, "positions", "EUR")).isEqualTo("{}");

    commit("obligations", CLIENT_B, "accept", "o-1");
    commit("obligations", CLIENT_B, "accept", "o-2");

    assertThat(query("obligations", CLIENT_A, "positions", "EUR"))
        .isEqualTo("{\"BankAMSP\":\"-100\",\"BankBMSP\":\"70\",\"BankCMSP\":\"30\"}");
    assertThat(query("obligations", CLIENT_A, "get", "o-1")).contains("\"status\":\"ACCEPTED\"");
    assertThat(query("obligations", CLIENT_A, "list", "PROPOSED"))
        .contains("o-3")
        .doesNotContain("o-1");
  }

  @Test
  void obligations_refuse_duplicates_strangers_self_acceptance_and_wrong_states() throws Exception {
    commit("obligations", CLIENT_A, "record", "o-1", "BankAMSP", "BankBMSP", "EUR", "100");

    assertThat(
            refusal("obligations", CLIENT_B, "record", "o-1", "BankAMSP", "BankBMSP", "EUR", "1"))
        .startsWith("ALREADY_EXISTS");
    assertThat(
            refusal("obligations", CLIENT_C, "record", "o-9", "BankAMSP", "BankBMSP", "EUR", "1"))
        .startsWith("NOT_AUTHORIZED");
    assertThat(refusal("obligations", CLIENT_A, "accept", "o-1")).startsWith("NOT_AUTHORIZED");
    assertThat(refusal("obligations", CLIENT_C, "cancel", "o-1")).startsWith("NOT_AUTHORIZED");
    assertThat(refusal("obligations", CLIENT_A, "accept", "o-404")).startsWith("NOT_FOUND");
    assertThat(
            refusal("obligations", CLIENT_A, "record", "o-2", "BankAMSP", "BankAMSP", "EUR", "1"))
        .startsWith("INVALID_ARGUMENT");
    assertThat(
            refusal("obligations", CLIENT_A, "record", "o-2", "BankAMSP", "BankBMSP", "euro", "1"))
        .startsWith("INVALID_ARGUMENT");

    commit("obligations", CLIENT_A, "cancel", "o-1");
    assertThat(refusal("obligations", CLIENT_B, "accept", "o-1")).startsWith("INVALID_STATE");
  }

  @Test
  void a_document_is_anchored_once_with_its_metadata_and_anchoring_member() throws Exception {
    commit("notary", CLIENT_A, "anchor", HASH, "{\"name\":\"bill of lading 17\"}");

    assertThat(query("notary", CLIENT_B, "get", HASH))
        .contains("\"anchoredBy\":\"BankAMSP\"")
        .contains("bill of lading 17");
    assertThat(query("notary", CLIENT_B, "listByMember", "BankAMSP")).contains(HASH);
    assertThat(query("notary", CLIENT_B, "listByMember", "BankBMSP")).isEqualTo("[]");
    assertThat(refusal("notary", CLIENT_B, "anchor", HASH, "{}")).startsWith("ALREADY_EXISTS");
  }

  @Test
  void the_notary_refuses_bad_hashes_bad_metadata_and_unknown_documents() {
    assertThat(refusal("notary", CLIENT_A, "anchor", "ABC", "{}")).startsWith("INVALID_ARGUMENT");
    assertThat(refusal("notary", CLIENT_A, "anchor", HASH, "not json"))
        .startsWith("INVALID_ARGUMENT");
    assertThat(refusal("notary", CLIENT_A, "anchor", HASH, "[1,2]")).startsWith("INVALID_ARGUMENT");
    assertThat(
            refusal("notary", CLIENT_A, "anchor", HASH, "{\"x\":\"" + "y".repeat(17_000) + "\"}"))
        .startsWith("INVALID_ARGUMENT");
    assertThat(refusal("notary", CLIENT_A, "get", HASH)).startsWith("NOT_FOUND");
  }
}
