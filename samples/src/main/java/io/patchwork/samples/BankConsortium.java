package io.patchwork.samples;

import io.patchwork.manager.Manager;
import io.patchwork.node.host.NodeCommand;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code bank-consortium}: banks get a {@code payments-netting} ledger, record IOUs with the
 * official Fabric Gateway client, vote one more bank in, which joins by invite, replace the
 * manager's certificate authority with one of their own ("fire the referee"), then vote to close;
 * the operator settles, and the sample prints the net positions, the transfers and the netting
 * ratio, and checks the archive offline. It uses only the public interfaces: the {@code patchwork}
 * command line and REST API, and the Fabric Gateway client.
 *
 * <p>Run: {@code samples/bank-consortium [banks] [ious]} (defaults 20 and 300): it starts a network
 * manager embedded on a temporary data directory.
 */
public final class BankConsortium extends Scenario {
  BankConsortium(PrintStream out, Path work, String url, Path operatorToken) {
    super(out, work, url, operatorToken);
  }

  public static void main(String[] args) throws Exception {
    int banks = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int ious = args.length > 1 ? Integer.parseInt(args[1]) : 300;
    Path work = Files.createTempDirectory("patchwork-bank-consortium-");
    try (Manager manager = embeddedManager(work)) {
      new BankConsortium(System.out, work, manager.url(), manager.operatorTokenFile())
          .run(banks, ious);
    }
    System.exit(0);
  }

  /** The scenario; throws if any step does not do what it should. */
  void run(int banks, int ious) throws Exception {
    out.printf("Patchwork manager at %s; %d banks, %d IOUs%n", url, banks, ious);
    List<String> create =
        new ArrayList<>(List.of("create-ledger", "banks", "--template", "payments-netting"));
    for (int i = 1; i <= banks; i++) {
      create.addAll(List.of("--party", bank(i) + ":" + msp(i)));
    }
    patchwork(operatorToken, create.toArray(String[]::new));
    awaitStatus("banks", "ACTIVE");
    out.println("ledger 'banks' is ACTIVE");

    List<Path> members = new ArrayList<>();
    for (int i = 1; i <= banks; i++) {
      members.add(join("banks", bank(i), msp(i)));
    }
    out.printf("%d banks joined by invite, keys made on their side%n", banks);

    recordIous(members, banks, ious);
    out.printf("%d IOUs recorded and accepted through the Fabric Gateway client%n", ious);

    // The members vote Bank N+1 in; it joins by invite.
    int newcomer = banks + 1;
    vote("banks", members, "--add-member", bank(newcomer) + ":" + msp(newcomer));
    members.add(join("banks", bank(newcomer), msp(newcomer)));
    out.printf("%s voted in and joined by invite%n", bank(newcomer));

    fireTheReferee(members);

    // The members vote to close; the operator settles.
    vote("banks", members, "--close", "--settlement-asset", "EUR");
    awaitStatus("banks", "CLOSING");
    HttpResponse<String> settled =
        http.send(
            HttpRequest.newBuilder(URI.create(url + "/ledgers/banks/settle"))
                .header("authorization", "Bearer " + operatorToken())
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (settled.statusCode() != 200) {
      throw new IllegalStateException("settling failed: " + settled.body());
    }
    JsonObject statement = new JsonObject(settled.body());
    report(statement);

    Path archive = work.resolve("banks.archive");
    HttpResponse<Path> download =
        http.send(
            HttpRequest.newBuilder(URI.create(url + "/ledgers/banks/archive"))
                .header("authorization", "Bearer " + operatorToken())
                .build(),
            HttpResponse.BodyHandlers.ofFile(archive));
    if (download.statusCode() != 200) {
      throw new IllegalStateException("no archive: HTTP " + download.statusCode());
    }
    StringWriter verified = new StringWriter();
    StringWriter problem = new StringWriter();
    int exit =
        NodeCommand.execute(
            new PrintWriter(verified, true),
            new PrintWriter(problem, true),
            "verify-archive",
            "--archive",
            archive.toString());
    if (exit != 0) {
      throw new IllegalStateException("the archive does not verify: " + problem);
    }
    out.printf("archive (%d bytes) checked offline: %s", Files.size(archive), verified);
  }

  /**
   * The members replace the manager's authority with one of their own: Bank 1 makes it, the members
   * vote it in (the manager's certificates stay valid for an hour), and it certifies the peers the
   * manager runs for them; from then on the manager issues nothing for this ledger.
   */
  private void fireTheReferee(List<Path> members) throws Exception {
    Path authority = work.resolve("members-authority");
    Path passphrase = work.resolve("members-authority.passphrase");
    Files.writeString(passphrase, "held by the consortium, not the operator");
    String made =
        offline(
            "authority",
            "init",
            "--dir",
            authority.toString(),
            "--ledger",
            "banks",
            "--organization",
            "Bank consortium",
            "--passphrase-file",
            passphrase.toString());
    out.print(made);
    vote(
        "banks",
        members,
        "--replace-authority",
        authority.resolve("root.pem").toString(),
        "--grace",
        "PT1H");
    String recertified =
        patchwork(
            members.get(0).resolve("api-token"),
            "authority",
            "recertify",
            "banks",
            "--dir",
            authority.toString(),
            "--passphrase-file",
            passphrase.toString());
    HttpResponse<String> invite =
        http.send(
            HttpRequest.newBuilder(URI.create(url + "/ledgers/banks/invites"))
                .header("authorization", "Bearer " + operatorToken())
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        new JsonObject().put("mspId", msp(1)).encode()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (invite.statusCode() != 409 || !invite.body().contains("AUTHORITY_REPLACED")) {
      throw new IllegalStateException("the fired referee still invites: " + invite.body());
    }
    out.printf(
        "the members replaced the referee: %d peers certified by their own authority; the"
            + " manager's certificates are refused from an hour on, and it invites no one%n",
        recertified.lines().count());
  }

  private void report(JsonObject statement) {
    JsonObject eur = statement.getJsonArray("assets").getJsonObject(0);
    out.printf(
        "ledger CLOSED at block %d and ARCHIVED; %s: gross %s, moved %s, netting ratio %s%n",
        statement.getLong("finalHeight"),
        eur.getString("asset"),
        eur.getString("gross"),
        eur.getString("moved"),
        eur.getString("nettingRatio"));
    out.println("net positions:");
    for (Object position : eur.getJsonArray("positions")) {
      JsonObject p = (JsonObject) position;
      out.printf("  %-12s %12s%n", p.getString("mspId"), p.getString("amount"));
    }
    JsonArray transfers = eur.getJsonArray("transfers");
    out.printf("%d transfers settle them:%n", transfers.size());
    for (Object transfer : transfers) {
      JsonObject t = (JsonObject) transfer;
      out.printf(
          "  %-12s -> %-12s %12s%n", t.getString("from"), t.getString("to"), t.getString("amount"));
    }
  }

  /** Random IOUs between banks: the debtor records each, the creditor accepts it. */
  private void recordIous(List<Path> members, int banks, int ious) throws Exception {
    List<Member> applications = new ArrayList<>();
    for (int i = 1; i <= banks; i++) {
      applications.add(Member.connect(msp(i), members.get(i - 1)));
    }
    SplittableRandom random = new SplittableRandom(2026);
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(16, banks));
    try {
      List<int[]> pairs = new ArrayList<>();
      for (int n = 0; n < ious; n++) {
        int debtor = random.nextInt(banks);
        int creditor = (debtor + 1 + random.nextInt(banks - 1)) % banks;
        pairs.add(new int[] {debtor, creditor, 1 + random.nextInt(100_000)});
      }
      List<Future<?>> recorded = new ArrayList<>();
      for (int n = 0; n < pairs.size(); n++) {
        int[] pair = pairs.get(n);
        String id = "iou-" + n;
        recorded.add(
            pool.submit(
                () -> {
                  submit(
                      applications.get(pair[0]).obligations(),
                      "record",
                      id,
                      msp(pair[0] + 1),
                      msp(pair[1] + 1),
                      "EUR",
                      Integer.toString(pair[2]));
                  submit(applications.get(pair[1]).obligations(), "accept", id);
                  return null;
                }));
      }
      for (Future<?> done : recorded) {
        done.get();
      }
    } finally {
      pool.shutdown();
      applications.forEach(Member::close);
    }
  }

  static String bank(int i) {
    return String.format("Bank %02d", i);
  }

  static String msp(int i) {
    return String.format("Bank%02dMSP", i);
  }
}
