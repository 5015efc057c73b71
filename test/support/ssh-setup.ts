/** Global set-up for this target's fixtures. */
export default async function setup(): Promise<void> {}
