package io.patchwork.node.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.hyperledger.fabric.contract.ClientIdentity;
import org.hyperledger.fabric.metrics.Metrics;
import org.hyperledger.fabric.shim.ChaincodeBase;
import org.hyperledger.fabric.shim.ChaincodeStub;
import org.hyperledger.fabric.shim.ledger.KeyValue;
import org.hyperledger.fabric.shim.ledger.QueryResultsIterator;
import org.hyperledger.fabric.traces.Traces;

/**
 * Chaincode written with the official Fabric Java chaincode shim, knowing nothing of Patchwork: it
 * runs as a chaincode server and a Patchwork peer connects to it as a Fabric peer would.
 *
 * <ul>
 *   <li>{@code create id owner value} — an asset under the composite key {@code asset~owner~id} and
 *       its value under {@code id}; sets an event {@code AssetCreated}
 *   <li>{@code read id} — the asset's value
 *   <li>{@code move id amount} — adds to the asset's value (reads, then writes it)
 *   <li>{@code owned owner} — the ids of the owner's assets, by partial composite key
 *   <li>{@code range start end} — the ids between two keys
 *   <li>{@code whoami} — the caller's MSP id
 *   <li>{@code refuse} — an error response, as chaincode refuses a request
 * </ul>
 */
final class AssetChaincode extends ChaincodeBase {
  AssetChaincode(String name) {
    processEnvironmentOptions();
    processCommandLineOptions(new String[] {"-i", name});
    Metrics.initialize(getChaincodeConfig());
    Traces.initialize(getChaincodeConfig());
  }

  @Override
  public Response init(ChaincodeStub stub) {
    return newSuccessResponse();
  }

  @Override
  public Response invoke(ChaincodeStub stub) {
    List<String> args = stub.getParameters();
    try {
      switch (stub.getFunction()) {
        case "create" -> {
          String id = args.get(0);
          if (!stub.getStringState(id).isEmpty()) {
            return newErrorResponse("asset " + id + " exists");
          }
          stub.putStringState(id, args.get(2));
          stub.putStringState(stub.createCompositeKey("asset", args.get(1), id).toString(), id);
          stub.setEvent("AssetCreated", id.getBytes(StandardCharsets.UTF_8));
          return newSuccessResponse(id.getBytes(StandardCharsets.UTF_8));
        }
        case "read" -> {
          String value = stub.getStringState(args.get(0));
          return value.isEmpty()
              ? newErrorResponse("asset " + args.get(0) + " does not exist")
              : newSuccessResponse(value.getBytes(StandardCharsets.UTF_8));
        }
        case "move" -> {
          long value = Long.parseLong(stub.getStringState(args.get(0)));
          stub.putStringState(args.get(0), Long.toString(value + Long.parseLong(args.get(1))));
          return newSuccessResponse();
        }
        case "owned" -> {
          List<String> ids = new ArrayList<>();
          try (QueryResultsIterator<KeyValue> owned =
              stub.getStateByPartialCompositeKey("asset", args.get(0))) {
            owned.forEach(entry -> ids.add(entry.getStringValue()));
          }
          return newSuccessResponse(String.join(",", ids).getBytes(StandardCharsets.UTF_8));
        }
        case "range" -> {
          List<String> keys = new ArrayList<>();
          try (QueryResultsIterator<KeyValue> range =
              stub.getStateByRange(args.get(0), args.get(1))) {
            range.forEach(entry -> keys.add(entry.getKey()));
          }
          return newSuccessResponse(String.join(",", keys).getBytes(StandardCharsets.UTF_8));
        }
        case "whoami" -> {
          return newSuccessResponse(
              new ClientIdentity(stub).getMSPID().getBytes(StandardCharsets.UTF_8));
        }
        case "refuse" -> {
          return newErrorResponse("refused: this chaincode says no");
        }
        case "rich" -> {
          // A CouchDB rich query: Patchwork peers answer it with an error, which the shim throws.
          try (QueryResultsIterator<KeyValue> found = stub.getQueryResult(args.get(0))) {
            found.forEach(entry -> {});
          }
          return newSuccessResponse();
        }
        default -> {
          return newErrorResponse("unknown function " + stub.getFunction());
        }
      }
    } catch (Exception e) {
      return newErrorResponse(e.toString());
    }
  }
}
