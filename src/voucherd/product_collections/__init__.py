"""Product collections: STATIC lists of products and SKUs, AUTO_UPDATE filters over them."""
