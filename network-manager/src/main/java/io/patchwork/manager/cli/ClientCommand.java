package io.patchwork.manager.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

/**
 * {@code patchwork <command>}: the network manager's API from a shell, for the operator and for
 * member admins. Member keys are made here and never leave the machine; proposals and ballots are
 * signed here with the member's admin MSP folder (or, for a member that keeps its admin identity
 * with the manager, signed there).
 */
@Command(
    name = "patchwork",
    mixinStandardHelpOptions = true,
    // --help and --version on every command, not only here.
    scope = CommandLine.ScopeType.INHERIT,
    versionProvider = ClientCommand.Version.class,
    description = "Talk to a Patchwork network manager.",
    subcommands = {
      LedgerCommands.Ledgers.class,
      LedgerCommands.Show.class,
      LedgerCommands.ConnectionProfile.class,
      LedgerCommands.Certificates.class,
      RenewCommand.class,
      RevokeCommand.class,
      LedgerCommands.CreateLedger.class,
      MemberCommands.Invite.class,
      MemberCommands.Invites.class,
      MemberCommands.CancelInvite.class,
      MemberCommands.Join.class,
      GovernanceCommands.Proposals.class,
      GovernanceCommands.Propose.class,
      GovernanceCommands.Vote.class,
      LedgerCommands.Successor.class,
      CloseCommands.Settle.class,
      CloseCommands.Statement.class,
      CloseCommands.Archive.class,
      CloseCommands.Templates.class,
      CloseCommands.HostPeer.class,
      AuthorityCommand.class
    })
public final class ClientCommand implements Runnable {
  /** The commands this client answers to, for the {@code patchwork} launcher. */
  public static final List<String> COMMANDS =
      List.of(
          "ledgers",
          "settle",
          "statement",
          "archive",
          "templates",
          "host-peer",
          "ledger",
          "connection-profile",
          "certificates",
          "renew",
          "revoke",
          "create-ledger",
          "invite",
          "invites",
          "cancel-invite",
          "join",
          "proposals",
          "propose",
          "vote",
          "successor",
          "authority");

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine line = new CommandLine(new ClientCommand());
    line.setOut(out);
    line.setErr(err);
    line.setExecutionExceptionHandler(
        (failure, command, parsed) -> {
          command.getErr().println("patchwork: " + failure.getMessage());
          if (failure instanceof Api.UnreachableException) {
            return 5;
          }
          return failure instanceof Api.ApiException refused ? refused.exitCode() : 1;
        });
    return line.execute(args);
  }

  /** The version the jar's manifest names (a build from the source tree names none). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = ClientCommand.class.getPackage().getImplementationVersion();
      return new String[] {"patchwork " + (version == null ? "(built from source)" : version)};
    }
  }
}
