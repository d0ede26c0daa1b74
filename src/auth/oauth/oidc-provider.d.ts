// oidc-provider 9 ships no type declarations; we type the few entry points we use loosely and
// keep the shapes we depend on in our own interfaces next to the code that uses them.
declare module 'oidc-provider' {
  /* eslint-disable @typescript-eslint/no-explicit-any */
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, any>);
    issuer: string;
    proxy: boolean;
    callback(): (
      req: import('node:http').IncomingMessage,
      res: import('node:http').ServerResponse,
    ) => Promise<void>;
    use(middleware: (ctx: any, next: () => Promise<void>) => Promise<void> | void): void;
    on(event: string, listener: (...args: any[]) => void): this;
    interactionDetails(
      req: import('node:http').IncomingMessage,
      res: import('node:http').ServerResponse,
    ): Promise<any>;
    interactionFinished(
      req: import('node:http').IncomingMessage,
      res: import('node:http').ServerResponse,
      result: Record<string, any>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    interactionResult(
      req: import('node:http').IncomingMessage,
      res: import('node:http').ServerResponse,
      result: Record<string, any>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<string>;
    Grant: any;
    Client: any;
    AccessToken: any;
    RefreshToken: any;
    AuthorizationCode: any;
    Interaction: any;
  }
  export const errors: Record<string, any>;
  export const interactionPolicy: { Prompt: any; Check: any; base: () => any };
}
