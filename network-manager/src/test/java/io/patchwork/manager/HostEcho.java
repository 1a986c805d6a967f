package io.patchwork.manager;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A program for a test host: echoes each byte it receives on {@code ADDRESS:PORT}, one connection
 * at a time, and prints "echoing" once it listens.
 */
public final class HostEcho {
  private HostEcho() {}

  public static void main(String[] args) throws Exception {
    try (ServerSocket server =
        new ServerSocket(Integer.parseInt(args[1]), 10, InetAddress.getByName(args[0]))) {
      System.out.println("echoing");
      System.out.flush();
      while (true) {
        try (Socket client = server.accept();
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream()) {
          for (int b = in.read(); b >= 0; b = in.read()) {
            out.write(b);
            out.flush();
          }
        }
      }
    }
  }
}
