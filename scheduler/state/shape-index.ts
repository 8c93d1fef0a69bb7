// Values by a worker's shape (VM type, image and flavor), found through nested maps: no key
// string is built per worker, and the shape asked for last is answered by comparisons (workers
// come grouped by cloud and shape). The planner's registered and booting workers, and the
// launch digests, are kept by it.

/** Shapes by VM type, image and flavor (no key string built per worker). */
export class ShapeIndex<T> {
  private readonly byType = new Map<string, Map<string, Map<string, T>>>();

  /** The last shape asked for: workers come grouped by cloud and shape, so mostly it again. */
  private last: { vmType: string; image: string; flavor: string; value: T } | undefined;

  get(
    vmType: string,
    image: string,
    flavor: string,
    create: (vmType: string, image: string, flavor: string) => T,
  ): T {
    const last = this.last;
    if (
      last !== undefined &&
      last.vmType === vmType &&
      last.image === image &&
      last.flavor === flavor
    ) {
      return last.value;
    }
    const value = this.lookUp(vmType, image, flavor, create);
    this.last = { vmType, image, flavor, value };
    return value;
  }

  private lookUp(
    vmType: string,
    image: string,
    flavor: string,
    create: (vmType: string, image: string, flavor: string) => T,
  ): T {
    let byImage = this.byType.get(vmType);
    if (byImage === undefined) {
      byImage = new Map();
      this.byType.set(vmType, byImage);
    }
    let byFlavor = byImage.get(image);
    if (byFlavor === undefined) {
      byFlavor = new Map();
      byImage.set(image, byFlavor);
    }
    let value = byFlavor.get(flavor);
    if (value === undefined) {
      value = create(vmType, image, flavor);
      byFlavor.set(flavor, value);
    }
    return value;
  }

  find(vmType: string, image: string, flavor: string): T | undefined {
    return this.byType.get(vmType)?.get(image)?.get(flavor);
  }

  *entries(): IterableIterator<[{ vmType: string; image: string; flavor: string }, T]> {
    for (const [vmType, byImage] of this.byType) {
      for (const [image, byFlavor] of byImage) {
        for (const [flavor, value] of byFlavor) yield [{ vmType, image, flavor }, value];
      }
    }
  }

  *values(): IterableIterator<T> {
    for (const byImage of this.byType.values()) {
      for (const byFlavor of byImage.values()) yield* byFlavor.values();
    }
  }
}
