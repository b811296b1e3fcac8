/**
 * The `dojo` command. Each subcommand lives in its own module and returns an exit code; errors
 * that a user can fix are printed as one message, never as a stack trace (set DEBUG=dojo:* for those).
 */
import { doctorCommand } from './doctor-command.ts';
import { startCommand } from './start-command.ts';
import { labCommand } from './lab-command.ts';
import { clusterCommand } from './cluster-command.ts';
import { sandboxCommand } from './sandbox-command.ts';
import { UsageError } from './usage-error.ts';

const USAGE = `Usage: dojo <command> [options]

Commands:
  start [--no-open]      Serve the site, API and terminals on http://127.0.0.1:4321
  doctor [--json]        Which tools this machine has and which labs can run here
  lab <command>          list, check, setup, solve, test (self-test) and new (scaffold) labs
  cluster <command>      create, list, stop and delete sandbox Kubernetes clusters
  sandbox <command>      which provider runs sandboxes here (Docker or processes); install the process one
  help                   Show this help

Run "dojo <command> --help" for a command's options.`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  doctor: doctorCommand,
  start: startCommand,
  lab: labCommand,
  cluster: clusterCommand,
  sandbox: sandboxCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(USAGE);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`dojo: unknown command "${name}". Expected one of: ${Object.keys(commands).join(', ')}.\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`dojo ${name}: ${err.message}`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    console.error(`dojo ${name}: ${message}`);
    if (process.env['DEBUG']?.includes('dojo') && err instanceof Error) console.error(err.stack);
    return 1;
  }
}
