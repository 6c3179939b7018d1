package io.synod.storage.tool;

import io.synod.storage.CorruptionException;
import io.synod.storage.RealDisk;
import io.synod.storage.StorageException;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code synod-wal}: inspects the write-ahead log and snapshots of a data directory, like etcd's
 * {@code etcd-dump-logs}. It reads without repairing and without the directory's lock.
 *
 * <p>Exit codes: 0 when the directory could be read (a torn tail is reported, not an error), 1 when
 * the data is corrupt or cannot be read, 2 for a usage error or a path that is not a data
 * directory. Every error is one line on stderr starting with {@code synod-wal: }.
 */
@Command(
    name = "synod-wal",
    description = "Inspects a Synod data directory without changing it.",
    subcommands = {WalTool.Dump.class})
public final class WalTool {
  public static final int EXIT_OK = 0;
  public static final int EXIT_CORRUPT = 1;
  public static final int EXIT_USAGE = 2;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help and exit.")
  boolean help;

  public static void main(String[] args) {
    CommandLine cmd = commandLine();
    PrintWriter out =
        new PrintWriter(
            new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)));
    cmd.setOut(out);
    cmd.setErr(new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true));
    int code = cmd.execute(args);
    out.flush();
    System.exit(code);
  }

  /** The command line, with Synod's error conventions; set its out and err before executing. */
  public static CommandLine commandLine() {
    CommandLine cmd = new CommandLine(new WalTool());
    cmd.setParameterExceptionHandler(
        (e, args) -> {
          CommandLine failed = e.getCommandLine();
          String message = String.valueOf(e.getMessage()).replaceAll("\\s*\\R\\s*", " ").strip();
          failed
              .getErr()
              .println(
                  "synod-wal: "
                      + message
                      + " (see '"
                      + failed.getCommandSpec().qualifiedName()
                      + " --help')");
          return EXIT_USAGE;
        });
    cmd.setExecutionExceptionHandler(
        (e, failed, parsed) -> {
          failed.getOut().flush();
          failed.getErr().println("synod-wal: internal error: " + e);
          return EXIT_CORRUPT;
        });
    return cmd;
  }

  /** {@code synod-wal dump DIR}. */
  @Command(
      name = "dump",
      description = {
        "Prints the snapshots, log segments and records of a data directory.",
        "",
        "Shows each snapshot file, each segment and every record in it, then a summary and any"
            + " torn tail. Reads without repairing and without taking the directory's lock, so a"
            + " running node's directory can be read.",
        "",
        "Exit codes: 0 read, 1 corrupt data, 2 usage error or not a data directory."
      })
  public static final class Dump implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "Show this help and exit.")
    boolean help;

    @Parameters(
        paramLabel = "DIR",
        arity = "1",
        description = "The data directory (the one holding wal/ and snap/).")
    Path dir;

    @Option(
        names = "--records",
        negatable = true,
        arity = "0..1",
        paramLabel = "true|false",
        defaultValue = "true",
        fallbackValue = "true",
        description =
            "Print every record (the default); --records=false or --no-records prints the"
                + " snapshots, segments and summary only.")
    boolean records;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if (!DataDirDump.isDataDirectory(RealDisk.READ_ONLY, dir)) {
        err.println("synod-wal: not a Synod data directory: " + dir);
        return EXIT_USAGE;
      }
      try {
        new DataDirDump(RealDisk.READ_ONLY, dir, records, out).run();
        out.flush();
        return EXIT_OK;
      } catch (CorruptionException e) {
        out.flush();
        err.println(
            "synod-wal: corrupt: " + e.file() + " at offset " + e.offset() + ": " + e.reason());
        return EXIT_CORRUPT;
      } catch (StorageException e) {
        out.flush();
        err.println("synod-wal: " + e.getMessage());
        return EXIT_CORRUPT;
      }
    }
  }
}
