/**
 * Shared set-up for the real Docker suite: these tests only run when DOJO_DOCKER_TESTS enables the
 * `docker` project, and then an engine is required: its absence fails the suite with the driver's
 * own explanation (the same one a learner sees).
 */
import { detectDockerEngine, type DockerEngine } from '../../src/sandbox/docker-engine.ts';

export async function requireEngine(): Promise<DockerEngine> {
  return detectDockerEngine();
}
