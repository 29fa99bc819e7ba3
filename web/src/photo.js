// Photos are shrunk in the browser before they are kept or sent. The server
// refuses more than 24 megapixels and keeps at most MAX_SIDE pixels on the
// long side anyway, so a phone on a weak signal sends a tenth of the bytes,
// a 48-megapixel camera's photo is not refused, and the offline queue fits
// in the browser's storage. Drawing on a canvas also drops the EXIF block:
// the phone's location never leaves it.

/** The longest side the server keeps (casework.MaxPhotoSide). */
export const MAX_SIDE = 2560

/**
 * A JPEG of the image no longer than MAX_SIDE on either side, or the file
 * itself when it is small already or the browser cannot read it (the server
 * then says why it refuses it).
 */
export async function shrinkPhoto(file) {
  let bmp
  try {
    bmp = await createImageBitmap(file) // applies the EXIF orientation
  } catch {
    return file
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height))
  if (scale === 1 && file.size <= 1 << 20) {
    bmp.close()
    return file
  }
  const canvas = document.createElement('canvas')
  canvas.width = Math.round(bmp.width * scale)
  canvas.height = Math.round(bmp.height * scale)
  const g = canvas.getContext('2d')
  g.fillStyle = '#fff' // a transparent PNG's background, which JPEG lacks
  g.fillRect(0, 0, canvas.width, canvas.height)
  g.drawImage(bmp, 0, 0, canvas.width, canvas.height)
  bmp.close()
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85))
  if (!blob) return file
  return new File([blob], file.name.replace(/\.\w+$/, '') + '.jpg', { type: 'image/jpeg' })
}

/** shrinkPhoto as a {name, dataURL} for the offline queue. */
export async function photoDataURL(file) {
  const f = await shrinkPhoto(file)
  const dataURL = await new Promise((resolve, reject) => {
    const r = new FileReader()
    r.onload = () => resolve(r.result)
    r.onerror = () => reject(r.error)
    r.readAsDataURL(f)
  })
  return { name: f.name, dataURL }
}

/**
 * The Blob of a data: URL, decoded here: fetch(dataURL) is refused by the
 * console's content security policy (connect-src 'self').
 */
export function dataURLToBlob(dataURL) {
  const [head, body] = dataURL.split(',', 2)
  const type = head.match(/^data:([^;,]+)/)?.[1] || 'application/octet-stream'
  const bin = atob(body)
  const bytes = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
  return new Blob([bytes], { type })
}
