// What the coordinator says in the sign-in message it issues; the message itself (EIP-4361: written, read, time
// checks) is protocol's (protocol/src/auth/signInMessage.ts), shared with the contracts' and the dashboard's sign-in.
export const SIGN_IN_STATEMENT = 'Sign in to the Cloister coordinator to upload federated-learning updates.';
