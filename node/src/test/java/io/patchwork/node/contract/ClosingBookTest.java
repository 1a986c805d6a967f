package io.patchwork.node.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.patchwork.ca.Role;
import io.patchwork.node.contract.builtin.BuiltInContracts;
import io.patchwork.node.settle.ClosingBook;
import io.patchwork.node.settle.Netting;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The closing book read from state the built-in contracts wrote: only accepted obligations count,
 * per asset; token holdings add up per organisation over its accounts.
 */
class ClosingBookTest {
  private static final Caller ADMIN_A = TestCallers.caller("BankAMSP", Role.ADMIN);
  private static final Caller CLIENT_A = TestCallers.caller("BankAMSP", Role.CLIENT);
  private static final Caller CLIENT_B = TestCallers.caller("BankBMSP", Role.CLIENT);
  private static final Caller CLIENT_C = TestCallers.caller("BankCMSP", Role.CLIENT);

  private final MemoryState state = new MemoryState();
  private final ContractRegistry contracts = BuiltInContracts.registry();

  private void commit(String contract, Caller caller, String function, String... args)
      throws Exception {
    Simulation simulation =
        Simulator.simulate(
            contracts.contract(contract).orElseThrow(),
            function,
            List.of(args),
            TestCallers.tx(caller),
            state);
    assertThat(simulation.succeeded()).as(simulation.message()).isTrue();
    state.commit(simulation);
  }

  @Test
  void only_accepted_obligations_count_and_holdings_add_up_per_organisation() throws Exception {
    commit("obligations", CLIENT_A, "record", "o1", "BankAMSP", "BankBMSP", "EUR", "100");
    commit("obligations", CLIENT_B, "accept", "o1");
    commit("obligations", CLIENT_B, "record", "o2", "BankBMSP", "BankCMSP", "EUR", "30");
    commit("obligations", CLIENT_C, "accept", "o2");
    commit("obligations", CLIENT_C, "record", "o3", "BankCMSP", "BankAMSP", "USD", "7");
    commit("obligations", CLIENT_A, "accept", "o3");
    commit("obligations", CLIENT_A, "record", "proposed", "BankAMSP", "BankCMSP", "EUR", "999");
    commit("obligations", CLIENT_A, "record", "cancelled", "BankAMSP", "BankCMSP", "EUR", "555");
    commit("obligations", CLIENT_A, "cancel", "cancelled");
    commit("ledger-token", ADMIN_A, "issue", "BankAMSP", "1000");
    commit("ledger-token", ADMIN_A, "issue", "BankAMSP/treasury", "5");
    commit("ledger-token", CLIENT_A, "transfer", "BankAMSP", "BankBMSP", "250");

    ClosingBook book = ClosingBook.read(state);

    assertThat(book.obligations().keySet()).containsExactly("EUR", "USD");
    assertThat(book.obligations().get("EUR"))
        .containsExactlyInAnyOrder(
            new Netting.Obligation("BankAMSP", "BankBMSP", BigInteger.valueOf(100)),
            new Netting.Obligation("BankBMSP", "BankCMSP", BigInteger.valueOf(30)));
    assertThat(Netting.positions(book.obligations().get("EUR")))
        .isEqualTo(
            Map.of(
                "BankAMSP", BigInteger.valueOf(-100),
                "BankBMSP", BigInteger.valueOf(70),
                "BankCMSP", BigInteger.valueOf(30)));
    assertThat(book.tokenBalances())
        .isEqualTo(
            Map.of("BankAMSP", BigInteger.valueOf(755), "BankBMSP", BigInteger.valueOf(250)));
  }

  @Test
  void an_empty_ledger_has_an_empty_book() {
    ClosingBook book = ClosingBook.read(state);
    assertThat(book.obligations()).isEmpty();
    assertThat(book.tokenBalances()).isEmpty();
  }
}
