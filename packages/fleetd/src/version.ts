/** fleetd's version, as `fleetd --version` prints it and `Server: fleetd/<version>` sends it. */
export const VERSION = '0.1.0';
