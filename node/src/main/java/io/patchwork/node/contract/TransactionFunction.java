package io.patchwork.node.contract;

import com.google.protobuf.ByteString;
import java.util.List;

/** One transaction function: arguments in, payload out, or a {@link ContractException}. */
@FunctionalInterface
public interface TransactionFunction {
  ByteString invoke(Context context, List<String> args) throws ContractException;
}
