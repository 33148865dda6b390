import { FactoryProvider, ModuleMetadata } from '@nestjs/common';

/**
 * What every library's `forRootAsync` takes, like `TerminusModule`'s: modules to import, tokens
 * to inject, and a factory that turns them into the library's options.
 */
export interface AsyncModuleOptions<T> extends Pick<ModuleMetadata, 'imports'> {
  inject?: FactoryProvider['inject'];
  useFactory: (...args: any[]) => T | Promise<T>;
}

/** The provider that keeps a library's options under its namespaced token. */
export function optionsProvider<T>(token: symbol, options: AsyncModuleOptions<T>): FactoryProvider<T> {
  return { provide: token, inject: options.inject ?? [], useFactory: options.useFactory };
}
