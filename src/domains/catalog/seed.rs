//! Catalog data for a demo store (`kirana seed --demo`) and large generated catalogs for
//! benchmarks (`kirana seed --products N`), written in batches straight to the tables.

use std::collections::BTreeMap;

use bytes::Bytes;

use super::model::{ProductOption, Slug};
use super::store::{self, SeedProduct, SeedVariant};
use crate::contracts::blob::BlobStore;
use crate::db::{Db, new_id, now};
use crate::http::AppError;

/// What a seed run created.
#[derive(Debug, Default, Clone)]
pub struct SeedReport {
    pub categories: usize,
    pub products: usize,
    pub variants: usize,
    /// Every variant created, for stocking them.
    pub variant_ids: Vec<String>,
}

/// A small deterministic generator (xorshift64*): the same seed gives the same catalog.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// An EAN-13 in India's GS1 range (890) with its check digit.
fn ean13(serial: u64) -> String {
    let body = format!("890{:09}", serial % 1_000_000_000);
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 { d * 3 } else { d }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// The demo store's shelves: category, HSN, GST rate (bp), sizes with prices (paise),
/// and the products on them.
/// (department, shelf, HSN code, GST rate in bp, sizes with prices, product names).
type Shelf = (
    &'static str,
    &'static str,
    &'static str,
    i32,
    &'static [(&'static str, i64)],
    &'static [&'static str],
);

const DEMO: &[Shelf] = &[
    (
        "Grocery",
        "Rice & Grains",
        "1006",
        500,
        &[("1 kg", 11_000), ("5 kg", 52_000)],
        &[
            "India Gate Basmati Rice",
            "Daawat Rozana Basmati",
            "Sona Masoori Rice",
            "Kolam Rice",
            "Ponni Boiled Rice",
            "Brown Basmati Rice",
            "Idli Rice",
            "Jeera Samba Rice",
        ],
    ),
    (
        "Grocery",
        "Atta & Flours",
        "1101",
        500,
        &[("1 kg", 6_500), ("5 kg", 29_000), ("10 kg", 55_000)],
        &[
            "Aashirvaad Whole Wheat Atta",
            "Pillsbury Chakki Atta",
            "Fortune Besan",
            "Rajdhani Maida",
            "Ragi Flour",
            "Jowar Flour",
            "Bajra Flour",
            "Rice Flour",
        ],
    ),
    (
        "Grocery",
        "Pulses",
        "0713",
        500,
        &[("500 g", 8_500), ("1 kg", 16_000)],
        &[
            "Toor Dal",
            "Moong Dal",
            "Chana Dal",
            "Urad Dal Whole",
            "Masoor Dal",
            "Rajma Chitra",
            "Kabuli Chana",
            "Green Moong",
            "Black Chana",
        ],
    ),
    (
        "Grocery",
        "Spices & Masalas",
        "0910",
        500,
        &[("100 g", 6_000), ("200 g", 11_000)],
        &[
            "MDH Garam Masala",
            "Everest Kitchen King",
            "Catch Turmeric Powder",
            "Red Chilli Powder",
            "Coriander Powder",
            "Sambar Powder",
            "Rasam Powder",
            "Chole Masala",
            "Kasuri Methi",
            "Jeera Whole",
            "Hing Compounded",
        ],
    ),
    (
        "Grocery",
        "Edible Oils & Ghee",
        "1508",
        500,
        &[("1 L", 18_000), ("5 L", 85_000)],
        &[
            "Fortune Sunflower Oil",
            "Saffola Gold",
            "Dhara Mustard Oil",
            "Groundnut Oil Cold Pressed",
            "Coconut Oil",
            "Gingelly Oil",
            "Rice Bran Oil",
        ],
    ),
    (
        "Beverages",
        "Tea & Coffee",
        "0902",
        500,
        &[("250 g", 14_000), ("500 g", 27_000)],
        &[
            "Tata Tea Gold",
            "Red Label Tea",
            "Wagh Bakri Tea",
            "Brooke Bond Taj Mahal",
            "Filter Coffee Powder",
            "Bru Instant Coffee",
            "Nescafe Classic",
            "Green Tea Tulsi",
            "Darjeeling Leaf Tea",
            "Assam CTC Tea",
        ],
    ),
    (
        "Beverages",
        "Juices & Drinks",
        "2202",
        1800,
        &[("200 ml", 2_000), ("1 L", 9_900)],
        &[
            "Real Mixed Fruit Juice",
            "Tropicana Orange",
            "Frooti Mango Drink",
            "Paper Boat Aam Panna",
            "Rasna Orange",
            "Glucon-D Orange",
            "Roohafza Sharbat",
        ],
    ),
    (
        "Snacks",
        "Namkeen",
        "2106",
        1200,
        &[("150 g", 4_000), ("400 g", 9_500)],
        &[
            "Haldiram's Aloo Bhujia",
            "Bikaji Bhujia",
            "Moong Dal Namkeen",
            "Khatta Meetha",
            "Navratan Mix",
            "Masala Peanuts",
            "Chakli",
            "Banana Chips Kerala",
        ],
    ),
    (
        "Snacks",
        "Biscuits & Cookies",
        "1905",
        1800,
        &[("Pack", 3_000), ("Family pack", 8_500)],
        &[
            "Parle-G Gold",
            "Britannia Good Day",
            "Marie Gold",
            "Hide & Seek",
            "Bourbon",
            "Oreo Vanilla",
            "Monaco Salted",
            "Nice Time",
            "Jim Jam",
        ],
    ),
    (
        "Snacks",
        "Sweets",
        "1704",
        500,
        &[("250 g", 12_000), ("500 g", 23_000)],
        &[
            "Soan Papdi",
            "Kaju Katli",
            "Gulab Jamun Tin",
            "Rasgulla Tin",
            "Mysore Pak",
            "Besan Ladoo",
            "Chikki Peanut",
        ],
    ),
    (
        "Household",
        "Cleaning",
        "3402",
        1800,
        &[("500 ml", 9_900), ("1 L", 18_500)],
        &[
            "Vim Dishwash Liquid",
            "Harpic Toilet Cleaner",
            "Lizol Floor Cleaner",
            "Colin Glass Cleaner",
            "Surf Excel Matic Liquid",
            "Ariel Liquid",
            "Domex Disinfectant",
        ],
    ),
    (
        "Household",
        "Pooja Needs",
        "3307",
        500,
        &[("Small", 3_500), ("Large", 9_000)],
        &[
            "Cycle Agarbatti",
            "Camphor Tablets",
            "Cotton Wicks",
            "Sambrani Cups",
            "Pure Cow Ghee Diya",
            "Kumkum Powder",
        ],
    ),
    (
        "Personal Care",
        "Bath & Body",
        "3401",
        1800,
        &[("100 g", 4_500), ("4 x 100 g", 16_500)],
        &[
            "Mysore Sandal Soap",
            "Medimix Ayurvedic Soap",
            "Lifebuoy Total",
            "Dove Cream Bar",
            "Santoor Sandal",
            "Cinthol Lime",
            "Pears Pure & Gentle",
        ],
    ),
    (
        "Personal Care",
        "Hair Care",
        "3305",
        1800,
        &[("180 ml", 15_000), ("340 ml", 27_500)],
        &[
            "Parachute Coconut Oil",
            "Dabur Amla Hair Oil",
            "Clinic Plus Shampoo",
            "Sunsilk Black Shine",
            "Head & Shoulders",
            "Indulekha Bringha Oil",
        ],
    ),
    (
        "Dairy & Breakfast",
        "Breakfast",
        "1904",
        1800,
        &[("500 g", 18_000), ("1 kg", 34_000)],
        &[
            "Kellogg's Corn Flakes",
            "Quaker Oats",
            "Saffola Masala Oats",
            "MTR Rava Idli Mix",
            "MTR Upma Mix",
            "Poha Thick",
            "Muesli Fruit & Nut",
        ],
    ),
    (
        "Grocery",
        "Dry Fruits & Nuts",
        "0801",
        500,
        &[("250 g", 24_000), ("500 g", 46_000)],
        &[
            "Cashews W320",
            "California Almonds",
            "Afghan Raisins",
            "Walnut Kernels",
            "Pistachios Salted",
            "Dates Kimia",
            "Anjeer Dried Figs",
            "Makhana Phool",
            "Dried Apricots",
        ],
    ),
    (
        "Grocery",
        "Sugar, Salt & Jaggery",
        "1701",
        500,
        &[("1 kg", 5_000), ("5 kg", 24_000)],
        &[
            "Madhur Sugar",
            "Tata Salt",
            "Rock Salt Sendha",
            "Organic Jaggery",
            "Jaggery Powder",
            "Brown Sugar",
            "Black Salt Kala Namak",
            "Palm Candy",
        ],
    ),
    (
        "Snacks",
        "Noodles & Pasta",
        "1902",
        1200,
        &[("Single", 1_400), ("Pack of 4", 5_200)],
        &[
            "Maggi Masala Noodles",
            "Yippee Magic Masala",
            "Top Ramen Curry",
            "Ching's Hakka Noodles",
            "Sunfeast Pasta Treat",
            "Knorr Soupy Noodles",
            "Wai Wai Chicken",
            "Atta Noodles",
        ],
    ),
    (
        "Grocery",
        "Pickles & Chutneys",
        "2001",
        1200,
        &[("300 g", 11_000), ("1 kg", 32_000)],
        &[
            "Mango Pickle Avakaya",
            "Lime Pickle",
            "Mixed Vegetable Pickle",
            "Garlic Pickle",
            "Gongura Pickle",
            "Tamarind Chutney",
            "Coconut Chutney Powder",
            "Red Chilli Pickle",
        ],
    ),
    (
        "Grocery",
        "Sauces & Spreads",
        "2103",
        1200,
        &[("200 g", 9_000), ("1 kg", 29_000)],
        &[
            "Kissan Tomato Ketchup",
            "Maggi Hot & Sweet",
            "Ching's Schezwan Chutney",
            "Nutella",
            "Mixed Fruit Jam",
            "Dr. Oetker Mayonnaise",
            "Peanut Butter Crunchy",
            "Honey Pure",
        ],
    ),
    (
        "Personal Care",
        "Oral Care",
        "3306",
        1800,
        &[("100 g", 5_500), ("Pack of 3", 15_000)],
        &[
            "Colgate Strong Teeth",
            "Pepsodent Germicheck",
            "Dabur Red Paste",
            "Sensodyne Fresh Mint",
            "Close-Up Red Hot",
            "Meswak",
            "Neem Toothpowder",
            "Oral-B Toothbrush",
        ],
    ),
    (
        "Household",
        "Stationery",
        "4820",
        1200,
        &[("Single", 4_000), ("Pack of 6", 21_000)],
        &[
            "Classmate Notebook",
            "Reynolds Ball Pen",
            "Camlin Pencils",
            "Fevicol MR",
            "Apsara Eraser",
            "Long Book Ruled",
            "Sketch Pens Set",
            "Geometry Box",
        ],
    ),
    (
        "Dairy & Breakfast",
        "Ghee & Butter",
        "0405",
        1200,
        &[("200 g", 15_000), ("500 ml", 34_000), ("1 L", 65_000)],
        &[
            "Amul Pure Ghee",
            "Aavin Ghee",
            "Nandini Ghee",
            "Amul Butter",
            "Patanjali Cow Ghee",
        ],
    ),
];

/// Background colours of the demo pictures, one per top-level category (white text on
/// each has a contrast ratio above 4.5).
const TILE_COLOURS: &[[u8; 3]] = &[
    [0x1d, 0x4e, 0xd8],
    [0xb4, 0x53, 0x09],
    [0x04, 0x78, 0x57],
    [0xbe, 0x12, 0x3c],
    [0x6d, 0x28, 0xd9],
    [0x0e, 0x74, 0x90],
    [0x4d, 0x7c, 0x0f],
    [0xa2, 0x1c, 0xaf],
];

/// Up to two capitals from a name's first words: "Tata Salt" → "TS".
fn initials(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

/// A square PNG picture: the colour with the initials in white, centred.
pub(crate) fn tile_png(text: &str, colour: [u8; 3]) -> Result<Vec<u8>, AppError> {
    use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
    use image::ImageEncoder;
    const SIZE: u32 = 480;
    let font = FontRef::try_from_slice(crate::documents::pdf::BOLD_TTF)
        .map_err(|e| AppError::internal(format!("tile font: {e}")))?;
    let mut img = image::RgbImage::from_pixel(SIZE, SIZE, image::Rgb(colour));
    let scale = PxScale::from(200.0);
    let scaled = font.as_scaled(scale);
    let mut caret = 0.0;
    let mut glyphs = Vec::new();
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        glyphs.push(id.with_scale_and_position(scale, point(caret, scaled.ascent())));
        caret += scaled.h_advance(id);
    }
    let left = (SIZE as f32 - caret) / 2.0;
    let top = (SIZE as f32 - (scaled.ascent() - scaled.descent())) / 2.0;
    for glyph in glyphs {
        let Some(outline) = font.outline_glyph(glyph) else {
            continue;
        };
        let bounds = outline.px_bounds();
        outline.draw(|x, y, coverage| {
            let px = (left + bounds.min.x) as i64 + i64::from(x);
            let py = (top + bounds.min.y) as i64 + i64::from(y);
            if (0..i64::from(SIZE)).contains(&px) && (0..i64::from(SIZE)).contains(&py) {
                let pixel = img.get_pixel_mut(px as u32, py as u32);
                for (channel, base) in pixel.0.iter_mut().zip(colour) {
                    let blended = f32::from(base) + (255.0 - f32::from(base)) * coverage.min(1.0);
                    *channel = blended.round() as u8;
                }
            }
        });
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new_with_quality(
        &mut png,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::Adaptive,
    )
    .write_image(img.as_raw(), SIZE, SIZE, image::ExtendedColorType::Rgb8)
    .map_err(|e| AppError::internal(format!("tile image: {e}")))?;
    Ok(png)
}

/// Gives each demo product a picture (its initials on its shelf's colour), stored like an
/// uploaded image, so the demo storefront looks like a shop. Nothing is downloaded.
async fn picture_products(
    db: &Db,
    blobs: &dyn BlobStore,
    pictures: Vec<(String, String, [u8; 3])>,
) -> Result<(), AppError> {
    use sha2::Digest;
    let drawn = tokio::task::spawn_blocking(move || {
        pictures
            .into_iter()
            .map(|(product_id, name, colour)| {
                tile_png(&initials(&name), colour).map(|png| (product_id, name, png))
            })
            .collect::<Result<Vec<_>, AppError>>()
    })
    .await
    .map_err(|e| AppError::internal(format!("seed pictures: {e}")))??;
    let mut rows = Vec::with_capacity(drawn.len());
    for (product_id, name, png) in drawn {
        let key = format!("products/{}.png", hex::encode(sha2::Sha256::digest(&png)));
        let size_bytes = png.len() as i64;
        blobs.put(&key, Bytes::from(png), "image/png").await?;
        rows.push(store::ImageRow {
            id: new_id(),
            product_id,
            blob_key: key,
            content_type: "image/png".into(),
            size_bytes,
            alt: name,
            position: 0,
            created_at: now(),
        });
    }
    db.write(move |conn| {
        for row in &rows {
            store::insert_image(conn, row)?;
        }
        Ok(())
    })
    .await
}

/// Writes the demo catalog, owned by `sellers` in turn (the first is the store itself),
/// with a picture per product in `blobs`.
pub async fn demo(
    db: &Db,
    sellers: &[String],
    blobs: &dyn BlobStore,
) -> Result<SeedReport, AppError> {
    let sellers = sellers.to_vec();
    let (report, pictures) = db.write(move |conn| {
        let mut report = SeedReport::default();
        let now = now();
        let mut roots: BTreeMap<&str, String> = BTreeMap::new();
        let mut products = Vec::new();
        let mut serial = 1_000u64;
        let mut pictures = Vec::new();
        // Top-level shelves in the order they first appear, for their picture colours.
        let mut shelves: Vec<&str> = Vec::new();
        for (root, ..) in DEMO {
            if !shelves.contains(root) {
                shelves.push(root);
            }
        }
        for (i, (root, leaf, hsn, rate, sizes, names)) in DEMO.iter().enumerate() {
            let root_id = match roots.get(root) {
                Some(id) => id.clone(),
                None => {
                    let id = new_id();
                    store::seed_category(conn, &id, None, root, &Slug::from_name(root), roots.len() as i32, now)?;
                    report.categories += 1;
                    roots.insert(root, id.clone());
                    id
                }
            };
            let leaf_id = new_id();
            store::seed_category(conn, &leaf_id, Some(&root_id), leaf, &Slug::from_name(leaf), i as i32, now)?;
            report.categories += 1;
            for (j, name) in names.iter().enumerate() {
                let options = vec![ProductOption {
                    name: "Size".into(),
                    values: sizes.iter().map(|(s, _)| s.to_string()).collect(),
                }];
                let variants = sizes
                    .iter()
                    .enumerate()
                    .map(|(k, (size, price))| {
                        serial += 1;
                        // Prices vary a little by product, rounded to the rupee.
                        let price = (price + (j as i64 % 5) * 500) / 100 * 100;
                        SeedVariant {
                            id: new_id(),
                            sku: format!("{}-{}", Slug::from_name(name).as_str().to_uppercase(), k + 1),
                            barcode: Some(ean13(serial)),
                            title: size.to_string(),
                            options: serde_json::json!({"Size": size}).to_string(),
                            price,
                            compare_at_price: (j % 4 == 0).then_some(price + price / 10),
                            weight_grams: 0,
                        }
                    })
                    .collect::<Vec<_>>();
                let seller = &sellers[(i + j) % sellers.len().max(1)];
                let id = new_id();
                let shelf = shelves.iter().position(|r| r == root).unwrap_or(0);
                pictures.push((
                    id.clone(),
                    name.to_string(),
                    TILE_COLOURS[shelf % TILE_COLOURS.len()],
                ));
                products.push(SeedProduct {
                    id,
                    slug: Slug::from_name(name).as_str().to_string(),
                    name: name.to_string(),
                    description: format!(
                        "{name}, from our {leaf} shelf. Sourced from trusted distributors and packed fresh."
                    ),
                    status: "active".into(),
                    seller_id: seller.clone(),
                    hsn_code: hsn.to_string(),
                    gst_rate_bp: *rate,
                    options: serde_json::to_string(&options).unwrap_or_default(),
                    category_ids: vec![leaf_id.clone()],
                    variants,
                });
            }
        }
        report.products = products.len();
        report.variants = products.iter().map(|p| p.variants.len()).sum();
        report.variant_ids = products
            .iter()
            .flat_map(|p| p.variants.iter().map(|v| v.id.clone()))
            .collect();
        store::seed_products(conn, &products, now)?;
        Ok((report, pictures))
    })
    .await?;
    picture_products(db, blobs, pictures).await?;
    Ok(report)
}

const ADJECTIVES: &[&str] = &[
    "Premium",
    "Organic",
    "Classic",
    "Royal",
    "Fresh",
    "Golden",
    "Everyday",
    "Select",
    "Pure",
    "Natural",
    "Masala",
    "Spicy",
    "Crunchy",
    "Roasted",
    "Hand-picked",
    "Farm",
];
const NOUNS: &[&str] = &[
    "Basmati Rice",
    "Toor Dal",
    "Atta",
    "Tea",
    "Coffee",
    "Ghee",
    "Honey",
    "Cashews",
    "Almonds",
    "Jaggery",
    "Pickle",
    "Papad",
    "Namkeen",
    "Biscuits",
    "Noodles",
    "Soap",
    "Shampoo",
    "Detergent",
    "Agarbatti",
    "Sugar",
    "Salt",
    "Poha",
    "Sooji",
    "Besan",
    "Chutney",
    "Jam",
    "Ketchup",
    "Oil",
];
const PLACES: &[&str] = &[
    "Kerala",
    "Punjab",
    "Assam",
    "Mysore",
    "Nilgiri",
    "Kashmir",
    "Goa",
    "Bengal",
    "Rajasthan",
    "Coorg",
    "Nashik",
    "Guntur",
    "Madurai",
    "Lucknow",
    "Indore",
    "Surat",
];

/// A generated catalog of `count` products (one to three variants each) in a tree of
/// 10 × 10 categories, for benchmarks. Written in batches of 1,000 products.
pub async fn generated(db: &Db, sellers: &[String], count: usize) -> Result<SeedReport, AppError> {
    let mut report = SeedReport::default();
    let sellers = sellers.to_vec();
    let leaves = db
        .write(move |conn| {
            let now = now();
            let mut leaves = Vec::new();
            for r in 0..10 {
                let root = new_id();
                let name = format!("Department {}", r + 1);
                store::seed_category(conn, &root, None, &name, &Slug::from_name(&name), r, now)?;
                for c in 0..10 {
                    let leaf = new_id();
                    let name = format!("Aisle {}-{}", r + 1, c + 1);
                    store::seed_category(
                        conn,
                        &leaf,
                        Some(&root),
                        &name,
                        &Slug::from_name(&name),
                        c,
                        now,
                    )?;
                    leaves.push(leaf);
                }
            }
            Ok(leaves)
        })
        .await?;
    report.categories = 110;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut made = 0usize;
    while made < count {
        let batch = (count - made).min(1_000);
        let mut products = Vec::with_capacity(batch);
        for n in made..made + batch {
            let name = format!(
                "{} {} {} {}",
                rng.pick(ADJECTIVES),
                rng.pick(PLACES),
                rng.pick(NOUNS),
                n + 1
            );
            let sizes = 1 + rng.below(3);
            let base = 1_000 + rng.below(200_000) as i64;
            let options = if sizes > 1 {
                vec![ProductOption {
                    name: "Size".into(),
                    values: (1..=sizes).map(|s| format!("Pack of {s}")).collect(),
                }]
            } else {
                Vec::new()
            };
            let variants = (1..=sizes)
                .map(|s| SeedVariant {
                    id: new_id(),
                    sku: format!("GEN-{}-{s}", n + 1),
                    barcode: Some(ean13(10_000_000 + (n as u64) * 4 + s as u64)),
                    title: if sizes > 1 {
                        format!("Pack of {s}")
                    } else {
                        String::new()
                    },
                    options: if sizes > 1 {
                        serde_json::json!({"Size": format!("Pack of {s}")}).to_string()
                    } else {
                        "{}".into()
                    },
                    price: base * s as i64 / 100 * 100,
                    compare_at_price: None,
                    weight_grams: 250 * s as i32,
                })
                .collect::<Vec<_>>();
            products.push(SeedProduct {
                id: new_id(),
                slug: format!("{}-{}", Slug::from_name(&name).as_str(), n + 1),
                description: format!(
                    "{name}: a generated product for load tests, sold in {sizes} pack size(s)."
                ),
                name,
                status: if n % 20 == 19 {
                    "draft".into()
                } else {
                    "active".into()
                },
                seller_id: sellers[n % sellers.len().max(1)].clone(),
                hsn_code: "2106".into(),
                gst_rate_bp: 1800,
                options: serde_json::to_string(&options).unwrap_or_default(),
                category_ids: vec![leaves[rng.below(leaves.len())].clone()],
                variants,
            });
        }
        report.products += products.len();
        report.variants += products.iter().map(|p| p.variants.len()).sum::<usize>();
        report.variant_ids.extend(
            products
                .iter()
                .flat_map(|p| p.variants.iter().map(|v| v.id.clone())),
        );
        db.write(move |conn| store::seed_products(conn, &products, now()))
            .await?;
        made += batch;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domains::catalog::model::Barcode;

    #[test]
    fn generated_barcodes_are_valid_ean13() {
        for serial in [0, 1, 42, 999_999_999, 1_234_567] {
            let code = ean13(serial);
            assert_eq!(code.len(), 13);
            assert!(Barcode::parse(&code, "b").is_ok(), "{code}");
        }
    }
}
