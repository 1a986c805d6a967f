package io.patchwork.samples;

import io.patchwork.manager.Manager;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.hyperledger.fabric.client.EndorseException;

/**
 * {@code supply-chain}: a shipper, a carrier, a port, a buyer and an insurer get a {@code
 * supply-chain} ledger and notarise their shipment documents (the document's SHA-256 and metadata,
 * never the document) with the official Fabric Gateway client; then they vote the insurer out, and
 * its application can no longer anchor anything while the others go on. It uses only the {@code
 * patchwork} command line, the REST API and the Fabric Gateway client.
 *
 * <p>Run: {@code samples/supply-chain}: it starts a network manager embedded on a temporary data
 * directory.
 */
public final class SupplyChain extends Scenario {
  static final String[] PARTIES = {"Shipper", "Carrier", "Port", "Buyer", "Insurer"};

  SupplyChain(PrintStream out, Path work, String url, Path operatorToken) {
    super(out, work, url, operatorToken);
  }

  public static void main(String[] args) throws Exception {
    Path work = Files.createTempDirectory("patchwork-supply-chain-");
    try (Manager manager = embeddedManager(work)) {
      new SupplyChain(System.out, work, manager.url(), manager.operatorTokenFile()).run();
    }
    System.exit(0);
  }

  /** The scenario; throws if any step does not do what it should. */
  void run() throws Exception {
    out.printf("Patchwork manager at %s%n", url);
    List<String> create =
        new ArrayList<>(List.of("create-ledger", "shipments", "--template", "supply-chain"));
    for (String party : PARTIES) {
      create.addAll(List.of("--party", party + ":" + msp(party)));
    }
    patchwork(operatorToken, create.toArray(String[]::new));
    awaitStatus("shipments", "ACTIVE");
    List<Path> members = new ArrayList<>();
    List<Member> applications = new ArrayList<>();
    for (String party : PARTIES) {
      Path joined = join("shipments", party, msp(party));
      members.add(joined);
      applications.add(Member.connect(msp(party), joined));
    }
    out.printf("ledger 'shipments' is ACTIVE; %d parties joined by invite%n", PARTIES.length);
    try {
      // Each party anchors the documents it issues for shipment S-1.
      String[][] documents = {
        {"Shipper", "commercial-invoice"},
        {"Carrier", "bill-of-lading"},
        {"Port", "customs-release"},
        {"Buyer", "delivery-receipt"},
        {"Insurer", "insurance-certificate"}
      };
      for (int i = 0; i < documents.length; i++) {
        String document = "S-1 " + documents[i][1] + " issued by " + documents[i][0];
        submit(
            applications.get(i).contract("notary"),
            "anchor",
            sha256(document),
            "{\"shipment\":\"S-1\",\"type\":\"" + documents[i][1] + "\"}");
        out.printf(
            "  %-8s anchored its %s (%s...)%n",
            documents[i][0], documents[i][1], sha256(document).substring(0, 12));
      }
      String lading = sha256("S-1 bill-of-lading issued by Carrier");
      String seen =
          new String(
              applications.get(3).contract("notary").evaluateTransaction("get", lading),
              StandardCharsets.UTF_8);
      if (!seen.contains(msp("Carrier"))) {
        throw new IllegalStateException(
            "the bill of lading is not anchored by the carrier: " + seen);
      }
      out.println("the buyer checks the bill of lading: anchored by " + msp("Carrier"));

      // The others vote the insurer out; its application can no longer anchor.
      vote("shipments", members.subList(0, 4), "--remove-member", msp("Insurer"));
      out.println("the members voted the Insurer out");
      try {
        applications
            .get(4)
            .contract("notary")
            .submitTransaction("anchor", sha256("S-2 policy"), "{}");
        throw new IllegalStateException("a removed member still anchored a document");
      } catch (EndorseException refused) {
        out.println("the Insurer's application is refused: " + refused.getStatus().getCode());
      }
      submit(
          applications.get(1).contract("notary"),
          "anchor",
          sha256("S-2 bill-of-lading issued by Carrier"),
          "{\"shipment\":\"S-2\",\"type\":\"bill-of-lading\"}");
      out.println("the others go on: the Carrier anchored the bill of lading of S-2");
    } finally {
      applications.forEach(Member::close);
    }
  }

  static String msp(String party) {
    return party + "MSP";
  }

  private static String sha256(String document) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(document.getBytes(StandardCharsets.UTF_8)));
  }
}
