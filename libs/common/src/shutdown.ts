import { Injectable, Module } from '@nestjs/common';

/**
 * Whether the process has begun a draining shutdown. The application sets it when a signal (or
 * the cluster primary) asks the process to stop; readiness reads it and answers 503 from then on,
 * so that load balancers send no new work while in-flight requests finish.
 */
@Injectable()
export class ShutdownState {
  private draining = false;

  isDraining(): boolean {
    return this.draining;
  }

  /** Irreversible: a process that began to drain never serves new work again. */
  beginDraining(): void {
    this.draining = true;
  }
}

/** Provides the one ShutdownState of the application; import it wherever the state is read or set. */
@Module({ providers: [ShutdownState], exports: [ShutdownState] })
export class ShutdownModule {}
