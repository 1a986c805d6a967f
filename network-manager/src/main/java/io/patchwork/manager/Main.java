package io.patchwork.manager;

public final class Main {
  public static void main(String[] args) {}
}
