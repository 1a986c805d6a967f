package io.patchwork.samples;

import io.patchwork.ca.Passphrase;
import io.patchwork.manager.Manager;
import io.patchwork.manager.cli.ClientCommand;
import io.patchwork.node.launch.NodeCommand;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hyperledger.fabric.client.Contract;

/**
 * {@code bank-consortium}: banks get a {@code payments-netting} ledger, record IOUs with the
 * official Fabric Gateway client, vote one more bank in, which joins by invite, then vote to close;
 * the operator settles, and the sample prints the net positions, the transfers and the netting
 * ratio, and checks the archive offline. It uses only the public interfaces: the {@code patchwork}
 * command line and REST API, and the Fabric Gateway client.
 *
 * <p>Run: {@code samples/bank-consortium [banks] [ious]} (defaults 20 and 300): it starts a network
 * manager embedded on a temporary data directory.
 */
public final class BankConsortium {
  private final PrintStream out;
  private final Path work;
  private final String url;
  private final Path operatorToken;
  private final HttpClient http = HttpClient.newHttpClient();

  BankConsortium(PrintStream out, Path work, String url, Path operatorToken) {
    this.out = out;
    this.work = work;
    this.url = url;
    this.operatorToken = operatorToken;
  }

  public static void main(String[] args) throws Exception {
    int banks = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int ious = args.length > 1 ? Integer.parseInt(args[1]) : 300;
    Path work = Files.createTempDirectory("patchwork-bank-consortium-");
    try (Manager manager =
        Manager.start(
            new Manager.Settings(
                work.resolve("manager"),
                "127.0.0.1",
                0,
                Optional.empty(),
                Passphrase.of("bank consortium sample".toCharArray())))) {
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
    awaitStatus("ACTIVE");
    out.println("ledger 'banks' is ACTIVE");

    List<Path> members = new ArrayList<>();
    for (int i = 1; i <= banks; i++) {
      members.add(join(i));
    }
    out.printf("%d banks joined by invite, keys made on their side%n", banks);

    recordIous(members, banks, ious);
    out.printf("%d IOUs recorded and accepted through the Fabric Gateway client%n", ious);

    // The members vote Bank N+1 in; it joins by invite.
    int newcomer = banks + 1;
    vote(members, "--add-member", bank(newcomer) + ":" + msp(newcomer));
    members.add(join(newcomer));
    out.printf("%s voted in and joined by invite%n", bank(newcomer));

    // The members vote to close; the operator settles.
    vote(members, "--close", "--settlement-asset", "EUR");
    awaitStatus("CLOSING");
    HttpResponse<String> settled =
        http.send(
            HttpRequest.newBuilder(URI.create(url + "/ledgers/banks/settle"))
                .header("authorization", "Bearer " + token(operatorToken))
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
                .header("authorization", "Bearer " + token(operatorToken))
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

  /**
   * Submits, as applications do, again when the ledger asks for it: endorsers that saw different
   * state at that instant (ABORTED), or a read that changed before commit (MVCC conflict).
   */
  private static void submit(Contract contract, String function, String... args) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        contract.submitTransaction(function, args);
        return;
      } catch (org.hyperledger.fabric.client.EndorseException e) {
        if (e.getStatus().getCode() != io.grpc.Status.Code.ABORTED || attempt == 5) {
          throw e;
        }
      } catch (org.hyperledger.fabric.client.CommitException e) {
        if (e.getCode() != org.hyperledger.fabric.protos.peer.TxValidationCode.MVCC_READ_CONFLICT
            || attempt == 5) {
          throw e;
        }
      }
      Thread.sleep(20L * attempt);
    }
  }

  /** Every founding bank's admin votes yes (signing with its own admin MSP folder). */
  private void vote(List<Path> members, String... action) throws Exception {
    List<String> propose = new ArrayList<>(List.of("propose", "banks"));
    propose.addAll(List.of(action));
    propose.addAll(List.of("--admin-msp", members.get(0).resolve("admin/msp").toString()));
    String proposed =
        patchwork(members.get(0).resolve("api-token"), propose.toArray(String[]::new));
    Matcher id = Pattern.compile("proposal (\\S+) recorded").matcher(proposed);
    if (!id.find()) {
      throw new IllegalStateException("no proposal id in: " + proposed);
    }
    for (Path member : members) {
      String voted =
          patchwork(
              member.resolve("api-token"),
              "vote",
              "banks",
              id.group(1),
              "yes",
              "--admin-msp",
              member.resolve("admin/msp").toString());
      if (voted.contains(": CLOSED")) {
        return;
      }
    }
    throw new IllegalStateException("the vote on " + id.group(1) + " did not carry");
  }

  /** The operator invites the bank; the bank redeems with keys made on its side. */
  private Path join(int i) throws Exception {
    String invited = patchwork(operatorToken, "invite", "banks", msp(i));
    Matcher token = Pattern.compile("pwi_[A-Za-z0-9_-]{43}").matcher(invited);
    if (!token.find()) {
      throw new IllegalStateException("no invite token in: " + invited);
    }
    Path out = work.resolve("members").resolve(msp(i));
    patchwork(
        null,
        "join",
        "banks",
        "--invite",
        token.group(),
        "--organization",
        bank(i),
        "--msp-id",
        msp(i),
        "--out",
        out.toString());
    return out;
  }

  private String patchwork(Path tokenFile, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--url", url));
    if (tokenFile != null) {
      all.addAll(List.of("--token-file", tokenFile.toString()));
    }
    StringWriter output = new StringWriter();
    StringWriter errors = new StringWriter();
    int exit =
        ClientCommand.execute(
            new PrintWriter(output, true),
            new PrintWriter(errors, true),
            all.toArray(String[]::new));
    if (exit != 0) {
      throw new IllegalStateException("patchwork " + args[0] + " failed: " + errors);
    }
    return output.toString();
  }

  private void awaitStatus(String status) throws Exception {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> shown =
          http.send(
              HttpRequest.newBuilder(URI.create(url + "/ledgers/banks"))
                  .header("authorization", "Bearer " + token(operatorToken))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (status.equals(new JsonObject(shown.body()).getString("status"))) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("ledger 'banks' did not become " + status);
  }

  private static String token(Path file) throws Exception {
    return Files.readString(file, StandardCharsets.US_ASCII).strip();
  }

  static String bank(int i) {
    return String.format("Bank %02d", i);
  }

  static String msp(int i) {
    return String.format("Bank%02dMSP", i);
  }
}
