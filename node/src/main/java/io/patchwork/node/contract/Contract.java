package io.patchwork.node.contract;

import java.util.List;

/**
 * A contract: named transaction functions over its own world-state namespace, modelled on Fabric's
 * contract API. A ledger runs a contract only if its config pins the contract's name and {@link
 * ContractCodeHash code hash}.
 *
 * <p>Threading: {@link #define} is called once; the functions it registers may run concurrently for
 * different transactions and must keep no state outside the {@link Context} they are given.
 * Functions must be deterministic — same arguments, caller and state, same result — so every
 * endorsing peer computes the same read/write set: no clock (use {@link Context#timestamp()}), no
 * randomness, no I/O.
 *
 * <pre>{@code
 * public final class Greeter implements Contract {
 *   public String name() { return "greeter"; }
 *   public void define(Transactions tx) {
 *     tx.submit("set", (ctx, args) -> { ctx.state().put("greeting", utf8(args.get(0))); return EMPTY; })
 *       .evaluate("get", (ctx, args) -> ctx.state().get("greeting").orElse(EMPTY));
 *   }
 * }
 * }</pre>
 */
public interface Contract {
  /** The contract's name: its namespace and the name clients address it by. */
  String name();

  /** Registers the contract's transaction functions. */
  void define(Transactions transactions);

  /**
   * The classes whose code the contract's {@link ContractCodeHash code hash} covers, each with the
   * classes nested in it: by default the contract's own class. A contract that uses shared helper
   * classes lists them too.
   */
  default List<Class<?>> codeClasses() {
    return List.of(getClass());
  }
}
