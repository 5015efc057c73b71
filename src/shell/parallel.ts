/** `$.parallel`: run many commands at once. */
export const parallel = {};
